{#-
    One row per video event (family `video`): the player's video id and its
    module id in both eras, the media code, the position (`currentTime`),
    seek and speed fields. Browser ids are written `i4x-org-number-video-
    name` (old platform) or as the bare block name (2015+); mobile events
    and some server copies log the full usage key.
-#}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

event_types as (
    select * from {{ ref('event_type_mapping') }}
),

video_events as (
    select
        events.event_id,
        events.course_id,
        events.event_payload
    from events
    inner join event_types
        on events.event_type = event_types.event_type
    where event_types.family = 'video'
),

payload_fields as (
    select
        event_id,
        course_id,
        {{ json_get_text('event_payload', 'id') }} as video_id,
        {{ json_get_text('event_payload', 'code') }} as video_code,
        {{ json_get_text('event_payload', 'currentTime') }}
            as current_time_text,
        {{ json_get_text('event_payload', 'old_time') }} as old_time_text,
        {{ json_get_text('event_payload', 'new_time') }} as new_time_text,
        {{ json_get_text('event_payload', 'type') }} as seek_type,
        {{ json_get_text('event_payload', 'speed') }} as speed_text,
        {{ json_get_text('event_payload', 'old_speed') }} as old_speed_text,
        {{ json_get_text('event_payload', 'new_speed') }} as new_speed_text
    from video_events
    {{ optimization_fence() }}
),

ids_classified as (
    select
        *,
        case
            when {{ regex_matches('video_id', '^(i4x://|block-v1:)') }}
                then 'usage_key'
            when
                {{ starts_with(
                    'video_id',
                    escaped_course_prefix('course_id') ~ " || 'video-'"
                ) }}
                then 'escaped_i4x'
            when {{ regex_matches('video_id', '^[A-Za-z0-9_.:-]+$') }}
                then 'block_name'
        end as video_id_form
    from payload_fields
    {{ optimization_fence() }}
),

modules_resolved as (
    select
        event_id,
        video_id,
        video_id_form,
        case video_id_form
            when 'usage_key' then video_id
            when 'escaped_i4x' then {{ usage_key_for(
                'course_id', "'video'",
                'substr(video_id, length(' ~ escaped_course_prefix('course_id')
                ~ ") + length('video-') + 1)"
            ) }}
            when 'block_name' then {{ usage_key_for(
                'course_id', "'video'", 'video_id'
            ) }}
        end as module_id,
        video_code,
        {{ text_to_double('current_time_text') }} as video_position_seconds,
        {{ text_to_double('old_time_text') }} as seek_old_seconds,
        {{ text_to_double('new_time_text') }} as seek_new_seconds,
        seek_type,
        coalesce(speed_text, new_speed_text) as video_speed,
        old_speed_text as video_old_speed
    from ids_classified
)

select * from modules_resolved
