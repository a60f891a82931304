{#-
    The same time on page per resource under each cut-off of var
    time_on_page_cutoffs_seconds side by side (one column per cut-off),
    so the sensitivity to the cut-off shows. Suppressed below min_cell_size.
-#}
with

stays as (
    select * from {{ ref('course_team_page_stays') }}
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
)

select * from per_resource
where learners >= {{ var('min_cell_size') }}
