{#-
    One row per course per week (weeks start on Monday, UTC): the learners
    active that week (at least one observed event in the course), their
    events, the learners first seen in the course that week, the learners
    seen so far (running total), and the enrollments and unenrollments
    whose timestamps fall in the week (user_courses). Counts are exact;
    the analysis `weekly_activity` and the course report suppress cells
    below var min_cell_size.
-#}
with

stays as (
    select * from {{ ref('course_team_page_stays') }}
),

user_courses as (
    select * from {{ ref('user_courses') }}
),

activity as (
    select
        course_id,
        cast(date_trunc('week', event_at) as date) as week_start,
        count(distinct user_id) as active_learners,
        count(*) as events
    from stays
    group by course_id, cast(date_trunc('week', event_at) as date)
),

first_seen as (
    select
        course_id,
        cast(date_trunc('week', first_event_timestamp) as date) as week_start,
        count(distinct user_id) as new_learners
    from user_courses
    where first_event_timestamp is not null
    group by
        course_id,
        cast(date_trunc('week', first_event_timestamp) as date)
),

enrollments as (
    select
        course_id,
        cast(date_trunc('week', enrollment_timestamp) as date) as week_start,
        count(distinct user_id) as enrollments
    from user_courses
    where enrollment_timestamp is not null
    group by
        course_id,
        cast(date_trunc('week', enrollment_timestamp) as date)
),

unenrollments as (
    select
        course_id,
        cast(date_trunc('week', unenrollment_timestamp) as date)
            as week_start,
        count(distinct user_id) as unenrollments
    from user_courses
    where unenrollment_timestamp is not null
    group by
        course_id,
        cast(date_trunc('week', unenrollment_timestamp) as date)
),

weeks as (
    select
        course_id,
        week_start
    from activity
    union
    select
        course_id,
        week_start
    from first_seen
    union
    select
        course_id,
        week_start
    from enrollments
    union
    select
        course_id,
        week_start
    from unenrollments
),

weeks_counted as (
    select
        weeks.course_id,
        weeks.week_start,
        coalesce(activity.active_learners, 0) as active_learners,
        coalesce(activity.events, 0) as events,
        coalesce(first_seen.new_learners, 0) as new_learners,
        coalesce(enrollments.enrollments, 0) as enrollments,
        coalesce(unenrollments.unenrollments, 0) as unenrollments
    from weeks
    left join activity
        on
            weeks.course_id = activity.course_id
            and weeks.week_start = activity.week_start
    left join first_seen
        on
            weeks.course_id = first_seen.course_id
            and weeks.week_start = first_seen.week_start
    left join enrollments
        on
            weeks.course_id = enrollments.course_id
            and weeks.week_start = enrollments.week_start
    left join unenrollments
        on
            weeks.course_id = unenrollments.course_id
            and weeks.week_start = unenrollments.week_start
),

final as (
    select
        *,
        cast(sum(new_learners) over (
            partition by course_id
            order by week_start
            rows between unbounded preceding and current row
        ) as bigint) as learners_seen_so_far
    from weeks_counted
)

select * from final
