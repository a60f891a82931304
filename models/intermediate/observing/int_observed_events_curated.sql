{{ config(materialized='table') }}
{#-
    One row per observed event, after curation (thesis §3.4): when
    seeds/curated_module_locations.csv names the right page of a module,
    every event about that module is re-pointed to it (url and module
    resource), with url_inference and panel_inference `curated`; the wrong
    candidate resources then disappear from `resources`, which is built
    from these rows.
-#}
with

events as (
    select * from {{ ref('int_observed_events_located') }}
),

curated as (
    select * from {{ ref('curated_module_locations') }}
),

events_curated as (
    select
        events.*,
        curated.url as curated_url,
        curated.resource_name as curated_resource_name,
        curated.resource_relevant_week as curated_relevant_week,
        curated.resource_release_timestamp as curated_release_at
    from events
    left join curated
        on
            events.course_id = curated.course_id
            and events.module_id = curated.module_id
            and events.is_courseware_interaction
),

locations_final as (
    select
        *,
        curated_url is not null as is_location_curated,
        coalesce(curated_url, url) as final_url,
        case
            when curated_url is not null
                then curated_url || module_category || '/' || module_block_name
            else resource_uri
        end as final_resource_uri,
        case when curated_url is not null then 'curated' else url_inference end
            as final_url_inference,
        case
            when curated_url is not null then 'curated' else panel_inference
        end as final_panel_inference
    from events_curated
)

select * from locations_final
