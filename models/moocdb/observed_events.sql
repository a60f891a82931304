{#-
    MOOCdb observed_events: one row per observed learner event (redundant
    browser/server copies kept), in time order per user, located after URL
    inheritance, panel inheritance and curation, with its duration.
-#}
with

events as (
    select * from {{ ref('int_observed_events_curated') }}
),

durations as (
    select * from {{ ref('int_observed_events_durations') }}
),

agents as (
    select * from {{ ref('int_user_agents_parsed') }}
),

events_final as (
    select
        events.event_id as observed_event_id,
        events.user_id,
        {{ hash_to_bigint('events.final_url') }} as url_id,
        events.event_at as observed_event_timestamp,
        durations.duration_seconds as observed_event_duration,
        events.ip as observed_event_ip,
        agents.os_id as observed_event_os,
        agents.agent_id as observed_event_agent,
        {{ hash_to_bigint('events.observed_event_type_name') }}
            as observed_event_type_id,
        {{ hash_to_bigint('events.final_resource_uri') }} as resource_id,
        events.final_url_inference as url_inference,
        events.final_panel_inference as panel_inference,
        events.course_id,
        events.event_id as source_event_id
    from events
    left join durations
        on events.event_id = durations.event_id
    left join agents
        on events.agent = agents.user_agent
)

select * from events_final
