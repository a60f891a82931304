{#-
    One row per user and course: every (user, course) pair of the logs and
    every enrollment attributed to a learner. Carries the enrollment
    (first activation, last activation/deactivation, mode), the last
    course grade calculated, the user's type in the course (the most
    privileged role the forum events or batch enrollments show, else
    Student) and the user's first and last event in the course.
-#}
{{ config(materialized='table') }}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

enrollment_events as (
    select * from {{ ref('int_enrollment_events_parsed') }}
),

edx_ids as (
    select * from {{ ref('int_users_edx_ids') }}
),

grade_events as (
    select * from {{ ref('int_course_grade_events_parsed') }}
),

user_roles as (
    select * from {{ ref('int_user_roles') }}
),

activity as (
    select
        user_id,
        course_id,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from events
    where user_id is not null and course_id is not null
    group by user_id, course_id
),

enrollments_attributed as (
    -- the learner enrolled: the owner of the payload's numeric id, else
    -- (id never seen with a username) the actor unless the actor is a
    -- team member enrolling someone else
    select
        enrollment_events.*,
        case
            when enrollment_events.is_on_behalf then edx_ids.user_id
            else coalesce(edx_ids.user_id, enrollment_events.actor_user_id)
        end as user_id
    from enrollment_events
    left join edx_ids
        on enrollment_events.enrolled_edx_user_id = edx_ids.edx_user_id
    where enrollment_events.course_id is not null
),

status_changes_ranked as (
    select
        user_id,
        course_id,
        enrollment_action,
        event_at,
        row_number() over (
            partition by user_id, course_id
            order by event_at desc nulls first, event_id desc
        ) as recency_number
    from enrollments_attributed
    where
        user_id is not null
        and enrollment_action in ('activated', 'deactivated')
),

modes_ranked as (
    select
        user_id,
        course_id,
        enrollment_mode,
        row_number() over (
            partition by user_id, course_id
            order by event_at desc nulls first, event_id desc
        ) as recency_number
    from enrollments_attributed
    where
        user_id is not null
        and enrollment_mode is not null
        and enrollment_action in (
            'activated', 'deactivated', 'mode_changed', 'upgrade_succeeded'
        )
),

enrollments_aggregated as (
    select
        user_id,
        course_id,
        min(
            case when enrollment_action = 'activated' then event_at end
        ) as first_activated_at,
        max(
            case when enrollment_action = 'deactivated' then event_at end
        ) as last_deactivated_at
    from enrollments_attributed
    where user_id is not null
    group by user_id, course_id
),

grades_attributed as (
    -- the learner graded: as for enrollments (a grade is often computed
    -- in a background task or on a team member's rescore)
    select
        grade_events.*,
        case
            when grade_events.is_on_behalf then edx_ids.user_id
            else coalesce(edx_ids.user_id, grade_events.actor_user_id)
        end as user_id
    from grade_events
    left join edx_ids
        on grade_events.graded_edx_user_id = edx_ids.edx_user_id
),

grades_ranked as (
    select
        user_id,
        course_id,
        course_grade,
        letter_grade,
        event_at,
        row_number() over (
            partition by user_id, course_id
            order by event_at desc nulls first, event_id desc
        ) as recency_number
    from grades_attributed
    where
        user_id is not null
        and course_id is not null
        and course_grade is not null
),

roles_ranked as (
    select
        user_id,
        course_id,
        user_type_id,
        row_number() over (
            partition by user_id, course_id
            order by role_precedence, user_type_id
        ) as role_rank
    from user_roles
    where course_id is not null
),

pairs as (
    select
        user_id,
        course_id
    from activity
    union
    select
        user_id,
        course_id
    from enrollments_attributed
    where user_id is not null
),

final as (
    select
        pairs.user_id,
        pairs.course_id,
        coalesce(roles_ranked.user_type_id, 4) as user_type_id,
        enrollments_aggregated.first_activated_at,
        enrollments_aggregated.last_deactivated_at,
        status_changes_ranked.enrollment_action = 'activated'
            as is_enrolled,
        modes_ranked.enrollment_mode,
        grades_ranked.course_grade,
        grades_ranked.letter_grade,
        grades_ranked.event_at as course_grade_at,
        activity.first_event_at,
        activity.last_event_at
    from pairs
    left join activity
        on
            pairs.user_id = activity.user_id
            and pairs.course_id = activity.course_id
    left join enrollments_aggregated
        on
            pairs.user_id = enrollments_aggregated.user_id
            and pairs.course_id = enrollments_aggregated.course_id
    left join status_changes_ranked
        on
            pairs.user_id = status_changes_ranked.user_id
            and pairs.course_id = status_changes_ranked.course_id
            and status_changes_ranked.recency_number = 1
    left join modes_ranked
        on
            pairs.user_id = modes_ranked.user_id
            and pairs.course_id = modes_ranked.course_id
            and modes_ranked.recency_number = 1
    left join grades_ranked
        on
            pairs.user_id = grades_ranked.user_id
            and pairs.course_id = grades_ranked.course_id
            and grades_ranked.recency_number = 1
    left join roles_ranked
        on
            pairs.user_id = roles_ranked.user_id
            and pairs.course_id = roles_ranked.course_id
            and roles_ranked.role_rank = 1
)

select * from final
