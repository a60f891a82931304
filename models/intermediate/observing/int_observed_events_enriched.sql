{{ config(materialized='table') }}
{#-
    One row per observed event (every staged event whose type the mapping
    seed sends to observed_events), with what the family models found: the
    module it is about, the navigation destination, whether a page view is a
    real page or a background request, and the event's own URL (no
    inference yet). `trajectory_key` is the user, or the event itself for an
    event without a user (no trajectory to inherit from).
-#}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

event_types as (
    select * from {{ ref('event_type_mapping') }}
),

event_modules as (
    select * from {{ ref('int_event_modules_parsed') }}
),

navigation_events as (
    select * from {{ ref('int_navigation_events_parsed') }}
),

page_view_events as (
    select * from {{ ref('int_page_view_events_parsed') }}
),

observed_events as (
    select
        events.event_id,
        events.user_id,
        coalesce(events.user_id, events.event_id) as trajectory_key,
        events.course_id as logged_course_id,
        events.event_at,
        events.event_source,
        events.event_type,
        event_types.observed_event_type_name,
        event_types.family,
        event_types.activity_mode,
        events.ip,
        events.agent,
        lower(events.host) as envelope_host,
        events.page_url,
        case
            when {{ regex_matches('events.referer', '^https?://[^/?#]+') }}
                then events.referer
        end as referer_url
    from events
    inner join event_types
        on events.event_type = event_types.event_type
    where event_types.moocdb_tables like '%observed_events%'
),

observed_events_joined as (
    select
        observed_events.*,
        event_modules.module_id,
        event_modules.module_category,
        event_modules.module_block_name,
        event_modules.module_display_name,
        event_modules.module_id_source,
        coalesce(navigation_events.is_tab_change, false) as is_tab_change,
        coalesce(navigation_events.is_sequence_exit, false)
            as is_sequence_exit,
        navigation_events.origin_tab,
        navigation_events.destination_panel,
        navigation_events.target_name as navigation_target_name,
        page_view_events.request_path,
        coalesce(page_view_events.is_background_request, false)
            as is_background_request
    from observed_events
    left join event_modules
        on observed_events.event_id = event_modules.event_id
    left join navigation_events
        on observed_events.event_id = navigation_events.event_id
    left join page_view_events
        on observed_events.event_id = page_view_events.event_id
),

own_urls_chosen as (
    -- the page an event happened on, as logged: a page view's own path; a
    -- browser event's `page`; a server event's `referer` (the page whose
    -- request it answers). A page view's referer is the page before, so it
    -- is used only for background requests.
    select
        *,
        case
            when
                family = 'page_view' and not is_background_request
                and envelope_host is not null
                then 'https://' || envelope_host || request_path
            when page_url is not null then page_url
            when family <> 'page_view' or is_background_request
                then referer_url
        end as own_url_raw,
        case
            when
                family = 'page_view' and not is_background_request
                and envelope_host is not null
                then 'request_path'
            when page_url is not null then 'page'
            when
                (family <> 'page_view' or is_background_request)
                and referer_url is not null
                then 'referer'
        end as own_url_source,
        -- at one instant, a move (navigation, page view) comes before what
        -- happens on the page it leads to
        case when family in ('navigation', 'page_view') then 0 else 1 end
            as same_instant_rank
    from observed_events_joined
)

select * from own_urls_chosen
