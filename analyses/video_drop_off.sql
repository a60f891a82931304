{#-
    Video drop-off per video: for each 30-second position bucket, the share
    of the video's learners whose furthest `currentTime` reached it; plus
    plays, pauses, seeks and speed changes. Suppressed below min_cell_size.
-#}
with

video_events as (
    select * from {{ ref('course_team_video_events') }}
),

per_learner as (
    select
        course_id,
        video_module_id,
        user_id,
        max(greatest(
            video_position_seconds, seek_new_seconds
        )) as furthest_seconds
    from video_events
    group by course_id, video_module_id, user_id
),

per_video as (
    select
        video_module_id,
        count(*) filter (
            where observed_event_type_name = 'play_video'
        ) as plays,
        count(*) filter (
            where observed_event_type_name = 'pause_video'
        ) as pauses,
        count(*) filter (
            where observed_event_type_name = 'seek_video'
        ) as seeks,
        count(*) filter (
            where observed_event_type_name = 'speed_change_video'
        ) as speed_changes,
        count(distinct user_id) as learners
    from video_events
    group by video_module_id
),

buckets as (
    select
        per_learner.course_id,
        per_learner.video_module_id,
        positions.bucket_seconds,
        count(*) filter (
            where per_learner.furthest_seconds >= positions.bucket_seconds
        ) as learners_reaching
    from per_learner
    cross join generate_series(0, 3600, 30) as positions (bucket_seconds)
    group by
        per_learner.course_id,
        per_learner.video_module_id,
        positions.bucket_seconds
)

select
    buckets.course_id,
    buckets.video_module_id,
    buckets.bucket_seconds,
    buckets.learners_reaching * 1.0 / per_video.learners as share_reaching,
    per_video.plays,
    per_video.pauses,
    per_video.seeks,
    per_video.speed_changes,
    per_video.learners
from buckets
inner join per_video
    on buckets.video_module_id = per_video.video_module_id
where per_video.learners >= {{ var('min_cell_size') }}
