{#-
    One row per observed event of a learner inside a course: the page
    (url), the resource, the courseware sequence and panel the event sits
    on, and the UNCAPPED gap in seconds to the same learner's next observed
    event (in any course; NULL for the learner's last event). Analyses cap
    the gap with their own cut-off (var `time_on_page_cutoff_seconds`), so
    the cut-off stays visible and adjustable; observed_event_duration keeps
    the MOOCdb cap (var observed_event_duration_cap_seconds).
-#}
with

observed_events as (
    select * from {{ ref('observed_events') }}
),

observed_event_types as (
    select * from {{ ref('observed_event_types') }}
),

urls as (
    select * from {{ ref('urls') }}
),

durations as (
    select * from {{ ref('int_observed_events_durations') }}
),

urls_parsed as (
    -- the sequence and panel of each URL, parsed once per URL (not per
    -- event)
    select
        url_id,
        url,
        {{ regex_extract('url', '^(.*/courseware/[^/]+/[^/]+/)') }}
            as sequence_url,
        cast(
            {{ regex_extract('url', '/courseware/[^/]+/[^/]+/([0-9]+)/$') }}
            as integer
        ) as panel_number
    from urls
    {{ optimization_fence() }}
),

events_joined as (
    select
        observed_events.observed_event_id,
        observed_events.user_id,
        observed_events.course_id,
        observed_events.resource_id,
        observed_events.url_id,
        urls_parsed.url,
        urls_parsed.sequence_url,
        urls_parsed.panel_number,
        observed_events.observed_event_timestamp as event_at,
        observed_event_types.observed_event_type_name,
        observed_event_types.family,
        {{ seconds_between(
            'observed_events.observed_event_timestamp',
            'durations.next_event_at'
        ) }} as gap_seconds
    from observed_events
    inner join observed_event_types
        on
            observed_events.observed_event_type_id
            = observed_event_types.observed_event_type_id
    left join urls_parsed
        on observed_events.url_id = urls_parsed.url_id
    left join durations
        on observed_events.source_event_id = durations.event_id
    where
        observed_events.user_id is not null
        and observed_events.course_id is not null
),

sequences_parsed as (
    select
        observed_event_id,
        user_id,
        course_id,
        resource_id,
        url_id,
        url,
        sequence_url,
        panel_number,
        event_at,
        observed_event_type_name,
        family,
        cast(gap_seconds as {{ type_double() }}) as gap_seconds
    from events_joined
)

select * from sequences_parsed
