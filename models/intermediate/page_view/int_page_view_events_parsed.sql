{#-
    One row per server page view (family `page_view`: the raw event_type is
    the requested URL path). Splits the path from its query string, tells
    real pages from the AJAX calls that are logged the same way (module
    handlers, `goto_position`, forum actions, …) and reads the GET/POST
    parameters the location logic uses.
-#}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

event_types as (
    select * from {{ ref('event_type_mapping') }}
),

page_view_events as (
    select
        events.event_id,
        events.raw_event_type,
        events.event_payload
    from events
    inner join event_types
        on events.event_type = event_types.event_type
    where event_types.family = 'page_view'
),

requests as (
    -- requested URLs repeat across events: the regexes run once per
    -- distinct one
    select distinct raw_event_type
    from page_view_events
),

requests_split as (
    select
        raw_event_type,
        {{ regex_extract('raw_event_type', '^([^?#]*)') }} as request_path,
        {{ regex_extract('raw_event_type', '\?([^#]*)') }} as request_query
    from requests
    {{ optimization_fence() }}
),

requests_classified as (
    select
        raw_event_type,
        request_path,
        request_query,
        -- requests a page makes in the background, not pages a learner sees
        coalesce(
            {{ regex_matches(
                'request_path',
                '/(xblock|modx|xqueue|jsi18n|event|heartbeat|i4x)(/|$)'
                ~ '|/handler(_noauth)?/|/jump_to(_id)?/'
                ~ '|/discussion/(threads|comments|upvote|downvote|users|'
                ~ 'forum/[^/]+/inline|[^/]+/threads/create)'
                ~ '|/(goto_position|problem_check|problem_get|problem_show|'
                ~ 'problem_save|problem_reset|input_ajax)/?$'
            ) }},
            false
        ) as is_background_request
    from requests_split
    {{ optimization_fence() }}
),

paths_split as (
    select
        page_view_events.event_id,
        requests_classified.request_path,
        requests_classified.request_query,
        coalesce(requests_classified.is_background_request, false)
            as is_background_request,
        {{ json_get_text(
            'page_view_events.event_payload', 'GET', 'activate_block_id', '0'
        ) }} as get_activate_block_id,
        {{ json_get_text(
            'page_view_events.event_payload', 'POST', 'position', '0'
        ) }} as post_position_text
    from page_view_events
    left join requests_classified
        on page_view_events.raw_event_type = requests_classified.raw_event_type
),

paths_classified as (
    select
        event_id,
        request_path,
        request_query,
        get_activate_block_id,
        {{ text_to_integer('post_position_text') }} as post_position,
        is_background_request
    from paths_split
)

select * from paths_classified
