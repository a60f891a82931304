{#-
    The same time on page per resource under each cut-off of var
    time_on_page_cutoffs_seconds side by side (one column per cut-off:
    average seconds per learner with gaps capped at that cut-off), so the
    sensitivity to the cut-off shows: a page left open overnight adds 5
    minutes under a 300 s cut-off and an hour under 3600 s. Resources with
    fewer than var min_cell_size learners are suppressed.
-#}
with

stays as (
    select * from {{ ref('course_team_page_stays') }}
),

resources as (
    select * from {{ ref('resources') }}
),

per_resource as (
    select
        course_id,
        resource_id,
        count(distinct user_id) as learners,
        {%- for cutoff in var('time_on_page_cutoffs_seconds') %}
            sum(least(gap_seconds, {{ cutoff }}))
            / count(distinct user_id) as average_seconds_cutoff_{{ cutoff }},
        {%- endfor %}
        count(*) as events
    from stays
    where gap_seconds is not null
    group by course_id, resource_id
),

final as (
    select
        per_resource.*,
        resources.resource_name,
        resources.resource_uri
    from per_resource
    left join resources
        on per_resource.resource_id = resources.resource_id
)

select * from final
where learners >= {{ var('min_cell_size') }}
