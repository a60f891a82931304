{#-
    Time on page per resource: gaps between clicks capped at var
    time_on_page_cutoff_seconds (default 1800; run with
    --vars '{time_on_page_cutoff_seconds: 300}' to change it). Resources
    with fewer than var min_cell_size learners are suppressed.
-#}
{%- set cutoff = var('time_on_page_cutoff_seconds') -%}
with

stays as (
    select * from {{ ref('course_team_page_stays') }}
),

per_learner as (
    select
        course_id,
        resource_id,
        user_id,
        sum(least(gap_seconds, {{ cutoff }})) as seconds_on_resource
    from stays
    where gap_seconds is not null
    group by course_id, resource_id, user_id
),

per_resource as (
    select
        course_id,
        resource_id,
        count(*) as learners,
        avg(seconds_on_resource) as average_seconds,
        percentile_cont(0.5) within group (
            order by seconds_on_resource
        ) as median_seconds
    from per_learner
    group by course_id, resource_id
)

select
    course_id,
    resource_id,
    learners,
    {{ cutoff }} as cutoff_seconds,
    average_seconds,
    median_seconds
from per_resource
where learners >= {{ var('min_cell_size') }}
