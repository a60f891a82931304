{#-
    One row per observed event: seconds to the same user's next observed
    event (whole seconds, rounded down), capped at var
    `observed_event_duration_cap_seconds` (default 3600, as MOOCdb curation
    did); NULL for a user's last event, for an event without a time, and for
    an event without a user. Order: per user, by time, a move before what
    happens at the same instant, then event id — so identical timestamps
    give 0 and the order is deterministic. The gap crosses courses: a
    learner's attention is one timeline, and an event in another course ends
    the stay on the previous page.
-#}
{%- set cap = var('observed_event_duration_cap_seconds') -%}
with

events as (
    select * from {{ ref('int_observed_events_enriched') }}
),

events_with_next_event as (
    select
        event_id,
        user_id,
        event_at,
        lead(event_at) over (
            partition by trajectory_key
            order by event_at, same_instant_rank, event_id
        ) as next_event_at
    from events
),

durations_capped as (
    select
        event_id,
        next_event_at,
        case
            when user_id is not null and next_event_at is not null
                then least(
                    floor({{ seconds_between('event_at', 'next_event_at') }}),
                    {{ cap }}
                )
        end as duration_seconds,
        coalesce(
            user_id is not null
            and {{ seconds_between('event_at', 'next_event_at') }} > {{ cap }},
            false
        ) as is_duration_capped
    from events_with_next_event
)

select
    event_id,
    next_event_at,
    cast(duration_seconds as integer) as duration_seconds,
    is_duration_capped
from durations_capped
