{#-
    Weekly activity and enrollment counts per course: active learners,
    events, learners first seen, learners seen so far, enrollments and
    unenrollments per week (mart course_team_weekly_activity). A count of
    learners between 1 and var min_cell_size - 1 is suppressed (NULL), and
    the events of a week with fewer active learners than that too.
-#}
{%- set minimum = var('min_cell_size') -%}
with

weeks as (
    select * from {{ ref('course_team_weekly_activity') }}
),

suppressed as (
    select
        course_id,
        week_start,
        {%- for column in [
            'active_learners', 'new_learners', 'learners_seen_so_far',
            'enrollments', 'unenrollments',
        ] %}
            case
                when {{ column }} = 0 or {{ column }} >= {{ minimum }}
                    then {{ column }}
            end as {{ column }},
        {%- endfor %}
        case
            when active_learners = 0 or active_learners >= {{ minimum }}
                then events
        end as events
    from weeks
)

select * from suppressed
order by course_id, week_start
