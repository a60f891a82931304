{#- MOOCdb urls: one row per distinct normalized page URL an observed event
    was located on (after inheritance and curation). -#}
with

events as (
    select * from {{ ref('int_observed_events_curated') }}
),

urls_distinct as (
    select distinct final_url as url
    from events
    where final_url is not null
),

urls_final as (
    select
        {{ hash_to_bigint('url') }} as url_id,
        url
    from urls_distinct
)

select * from urls_final
