{#-
    Time on page per resource. The time a learner spends on an event's
    resource is the gap to their next click, capped at var
    time_on_page_cutoff_seconds (default 1800 = 30 minutes of inactivity
    ends a stay; a page left open overnight counts 30 minutes). Run with
    --vars '{time_on_page_cutoff_seconds: 300}' to change it (the course
    report: --cutoff-seconds). Per resource: learners, average and median
    seconds per learner, and, where the seed course_team_resource_budgets
    gives a designed time, the ratio median / budget, flagged
    is_over_budget when it reaches var budget_overrun_ratio (default 2).
    Resources with fewer than var min_cell_size learners are suppressed.
-#}
{%- set cutoff = var('time_on_page_cutoff_seconds') -%}
with

stays as (
    select * from {{ ref('course_team_page_stays') }}
),

resources as (
    select * from {{ ref('resources') }}
),

budgets as (
    select * from {{ ref('course_team_resource_budgets') }}
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
),

per_resource_named as (
    select
        per_resource.course_id,
        per_resource.resource_id,
        resources.resource_name,
        resources.resource_uri,
        per_resource.learners,
        {{ cutoff }} as cutoff_seconds,
        per_resource.average_seconds,
        per_resource.median_seconds,
        budgets.designed_minutes
    from per_resource
    left join resources
        on per_resource.resource_id = resources.resource_id
    left join budgets
        on
            per_resource.course_id = budgets.course_id
            and resources.resource_uri = budgets.resource_uri
),

final as (
    select
        *,
        median_seconds / (60.0 * designed_minutes) as budget_ratio,
        median_seconds
        >= {{ var('budget_overrun_ratio') }} * 60.0 * designed_minutes
            as is_over_budget
    from per_resource_named
)

select * from final
where learners >= {{ var('min_cell_size') }}
