{#-
    Time per learner: each learner's total time in the course (gaps between
    clicks capped at var time_on_page_cutoff_seconds, as in time_on_page)
    and the resources they spent it on, summarised as a distribution — how
    many learners spent 0-5, 5-15, 15-30, 30-60, 60-120 or 120+ minutes —
    so no learner is shown on their own. A bin of fewer than var
    min_cell_size learners is suppressed (NULL); empty bins show 0.
-#}
{%- set cutoff = var('time_on_page_cutoff_seconds') -%}
{%- set minimum = var('min_cell_size') -%}
with

stays as (
    select * from {{ ref('course_team_page_stays') }}
),

per_learner as (
    select
        course_id,
        user_id,
        sum(least(gap_seconds, {{ cutoff }})) / 60.0 as minutes_in_course,
        count(distinct resource_id) as resources
    from stays
    where gap_seconds is not null
    group by course_id, user_id
),

bins as (
    select
        bin_number,
        lower_minutes,
        upper_minutes
    from (
        values
        (1, 0, 5), (2, 5, 15), (3, 15, 30), (4, 30, 60), (5, 60, 120),
        (6, 120, null)
    ) as bin_values (bin_number, lower_minutes, upper_minutes)
),

courses as (
    select distinct course_id from per_learner
),

per_bin as (
    select
        courses.course_id,
        bins.bin_number,
        bins.lower_minutes,
        bins.upper_minutes,
        count(per_learner.user_id) as learners,
        avg(per_learner.resources) as average_resources
    from courses
    cross join bins
    left join per_learner
        on
            courses.course_id = per_learner.course_id
            and bins.lower_minutes <= per_learner.minutes_in_course
            and (
                bins.upper_minutes is null
                or bins.upper_minutes > per_learner.minutes_in_course
            )
    group by
        courses.course_id,
        bins.bin_number,
        bins.lower_minutes,
        bins.upper_minutes
),

final as (
    select
        course_id,
        bin_number,
        lower_minutes,
        upper_minutes,
        {{ cutoff }} as cutoff_seconds,
        case
            when learners = 0 or learners >= {{ minimum }} then learners
        end as learners,
        case
            when learners >= {{ minimum }} then average_resources
        end as average_resources
    from per_bin
)

select * from final
order by course_id, bin_number
