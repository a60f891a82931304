{{ config(materialized='table') }}
{#-
    One row per observed event, located before curation: its page URL (a
    courseware URL always down to the panel, `_` when the panel is unknown)
    and the URI of the deepest resource it touches (thesis §3.3.3):
    a module event becomes the synthetic resource "page URL + the module's
    relative id" (`…/courseware/week_2/seq_3/4/` + `problem/123`), or
    `http://unknown/courses/<course>/problem/123` when no courseware page
    could be found; a forum event its topic under the course's forum; any
    other event the page itself.
-#}
with

events as (
    select * from {{ ref('int_observed_events_panels_inherited') }}
),

urls_built as (
    select
        *,
        case
            when sequence_url is not null
                then
                    sequence_url || coalesce(cast(panel_number as {{ type_text() }}), '_')
                    || '/'
            else own_page_url
        end as url,
        case
            when
                sequence_url is not null
                and is_url_inherited then 'inherited'
            when sequence_url is not null then 'observed'
            when
                is_courseware_interaction
                and own_page_url is not null then 'observed'
            when own_page_url is not null then 'observed'
            else 'unknown'
        end as url_inference,
        coalesce(own_url_host, envelope_host) as course_host
    from events
),

resources_pointed as (
    select
        *,
        case
            when course_id is null then null
            when is_courseware_interaction and sequence_url is not null
                then url || module_category || '/' || module_block_name
            when is_courseware_interaction
                then
                    'http://unknown/courses/' || course_id || '/'
                    || module_category || '/' || module_block_name
            when module_category = 'forum_topic' and course_host is not null
                then
                    'https://' || course_host || '/courses/' || course_id
                    || '/discussion/forum/' || module_block_name || '/'
            when module_category = 'forum_topic'
                then
                    'http://unknown/courses/' || course_id
                    || '/discussion/forum/' || module_block_name || '/'
            when
                own_url_kind in (
                    'sequence', 'unit', 'courseware_index', 'course_page'
                )
                then url
        end as resource_uri
    from urls_built
)

select * from resources_pointed
