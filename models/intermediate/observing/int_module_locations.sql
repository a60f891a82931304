{{ config(materialized='table') }}
{#-
    Contract for the other modes: one row per (course_id, module_id) seen in
    an observed event — courseware modules and forum topics — with the
    module's primary location: the curated choice when there is one, else
    the most frequent located resource (ties by URI), else the
    `http://unknown/…` resource. Join on (course_id, module_id) to get a
    module's resource_id.
-#}
with

events as (
    select * from {{ ref('int_observed_events_curated') }}
),

module_resources as (
    select
        course_id,
        module_id,
        final_resource_uri as resource_uri,
        final_url as url,
        is_location_curated,
        {{ starts_with('final_resource_uri', "'http://unknown/'") }} as is_unknown,
        count(*) as events_count
    from events
    where
        module_id is not null
        and course_id is not null
        and final_resource_uri is not null
    group by 1, 2, 3, 4, 5, 6
),

resources_ranked as (
    select
        *,
        row_number() over (
            partition by course_id, module_id
            order by
                is_location_curated desc,
                is_unknown asc,
                events_count desc,
                resource_uri asc,
                url asc nulls last
        ) as location_rank
    from module_resources
),

primary_locations as (
    select
        course_id,
        module_id,
        {{ hash_to_bigint('resource_uri') }} as resource_id,
        resource_uri,
        case when not is_unknown then url end as url,
        is_location_curated
    from resources_ranked
    where location_rank = 1
)

select * from primary_locations
