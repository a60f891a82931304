{#-
    Data diagnosis of the loaded data (thesis §4.1.2), in SQL: one row per
    event class, i.e. per (event_type, event_source) pair — the pair that
    fixes an event's meaning and its JSON syntax. Server page views whose
    raw event_type is a URL path form one class, `page_view`. Counts are
    raw lines (duplicates included, as `python -m loader diagnose` counts).
-#}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

classes_counted as (
    select
        event_type,
        event_source,
        sum(copies_count) as event_count,
        count(*) as distinct_event_count,
        count(distinct course_id) as course_count,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at
    from events
    group by event_type, event_source
),

classes_keyed as (
    select
        event_type || ' (' || event_source || ')' as event_class,
        event_type,
        event_source,
        event_count,
        distinct_event_count,
        course_count,
        first_seen_at,
        last_seen_at
    from classes_counted
)

select * from classes_keyed
