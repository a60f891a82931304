{#- MOOCdb resources_urls: one row per (resource, URL) pair an observed
    event joined: a page resource and its own URL, a module and the panel
    URL it was located on. -#}
with

events as (
    select * from {{ ref('int_observed_events_curated') }}
),

pairs_distinct as (
    select distinct
        final_resource_uri as resource_uri,
        final_url as url
    from events
    where
        final_resource_uri is not null
        and final_url is not null
),

pairs_final as (
    select
        {{ hash_to_bigint("resource_uri || ' ' || url") }}
            as resources_urls_id,
        {{ hash_to_bigint('resource_uri') }} as resource_id,
        {{ hash_to_bigint('url') }} as url_id
    from pairs_distinct
)

select * from pairs_final
