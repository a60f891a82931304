{#-
    One row per textbook event (family `book`): the 2013 `book` event
    (`type`, `old`, `new`) and the `textbook.pdf.*` events (`chapter`,
    `page`, `name`, zoom and search fields). Book events are located on
    their own page (`…/book/N/`, `…/pdfbook/N/`, `…/htmlbook/N/`).
-#}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

event_types as (
    select * from {{ ref('event_type_mapping') }}
),

book_events as (
    select
        events.event_id,
        events.page_url,
        events.event_payload
    from events
    inner join event_types
        on events.event_type = event_types.event_type
    where event_types.family = 'book'
),

payload_fields as (
    select
        event_id,
        page_url,
        {{ json_get_text('event_payload', 'type') }} as book_action,
        {{ json_get_text('event_payload', 'name') }} as book_event_name,
        {{ json_get_text('event_payload', 'chapter') }} as book_chapter,
        {{ json_get_text('event_payload', 'old') }} as old_page_text,
        {{ json_get_text('event_payload', 'new') }} as new_page_text,
        {{ json_get_text('event_payload', 'page') }} as page_text,
        {{ json_get_text('event_payload', 'query') }} as search_query,
        {{ json_get_text('event_payload', 'amount') }} as zoom_amount
    from book_events
),

pages_typed as (
    select
        event_id,
        book_action,
        book_event_name,
        book_chapter,
        {{ text_to_integer('old_page_text') }} as book_old_page,
        coalesce(
            {{ text_to_integer('new_page_text') }},
            {{ text_to_integer('page_text') }}
        ) as book_page,
        {{ regex_extract(
            'page_url', '/courses/[^?#]*/(book|pdfbook|htmlbook)/\d+'
        ) }} as book_kind,
        {{ text_to_integer(regex_extract(
            'page_url', '/(?:book|pdfbook|htmlbook)/(\d+)'
        )) }} as book_index,
        search_query,
        zoom_amount
    from payload_fields
)

select * from pages_typed
