{#- ext observed_event_types: one row per normalized observed event type
    of the event-type mapping seed (the seed maps several raw Open edX names
    onto one: `edx.video.played` and `play_video` are both `play_video`). -#}
with

event_types as (
    select * from {{ ref('event_type_mapping') }}
),

observed_types as (
    select
        observed_event_type_name,
        min(activity_mode) as observed_event_type_activity_mode,
        min(family) as family
    from event_types
    where moocdb_tables like '%observed_events%'
    group by observed_event_type_name
),

observed_types_final as (
    select
        {{ hash_to_bigint('observed_event_type_name') }}
            as observed_event_type_id,
        observed_event_type_name,
        observed_event_type_activity_mode,
        family
    from observed_types
)

select * from observed_types_final
