{#-
    One row per video event of a learner (family `video`: load, play,
    pause, seek, speed change, stop, transcript…): the video (its module
    id and resource), the player position (`currentTime`, seconds), the
    seek origin and target and the new speed. The position is what the
    drop-off curves read; observed_events keeps the event, this model adds
    the player fields parsed once in int_video_events_parsed.
-#}
with

observed_events as (
    select * from {{ ref('observed_events') }}
),

observed_event_types as (
    select * from {{ ref('observed_event_types') }}
),

video_events as (
    select * from {{ ref('int_video_events_parsed') }}
),

video_events_joined as (
    select
        observed_events.observed_event_id,
        observed_events.user_id,
        observed_events.course_id,
        observed_events.resource_id,
        video_events.module_id as video_module_id,
        video_events.video_id,
        observed_events.observed_event_timestamp as event_at,
        observed_event_types.observed_event_type_name,
        video_events.video_position_seconds,
        video_events.seek_old_seconds,
        video_events.seek_new_seconds,
        video_events.video_speed
    from observed_events
    inner join video_events
        on observed_events.source_event_id = video_events.event_id
    inner join observed_event_types
        on
            observed_events.observed_event_type_id
            = observed_event_types.observed_event_type_id
    where
        observed_events.user_id is not null
        and observed_events.course_id is not null
        and video_events.module_id is not null
)

select * from video_events_joined
