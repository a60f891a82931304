{#-
    Video engagement and drop-off. Per video, and pooled over the course's
    videos (video_module_id '(all videos)'): plays, pauses, seeks, speed
    changes, learners, and for each 30-second position bucket up to the
    furthest position reached, the share of (learner, video) pairs whose
    furthest position — the largest `currentTime` or seek target of any of
    their events, 0 for a learner who opened the video and never played it
    — reached the bucket. A learner who watches a video twice is one pair
    (their furthest position over both viewings); per video a pair is a
    learner. Videos with fewer than var min_cell_size learners are
    suppressed, and so is a bucket reached by fewer learners than that.
-#}
{%- set minimum = var('min_cell_size') -%}
with

video_events as (
    select * from {{ ref('course_team_video_events') }}
),

events_with_pooled as (
    select
        course_id,
        video_module_id,
        user_id,
        observed_event_type_name
    from video_events
    union all
    select
        course_id,
        '(all videos)' as video_module_id,
        user_id,
        observed_event_type_name
    from video_events
),

per_learner as (
    select
        course_id,
        video_module_id,
        user_id,
        coalesce(
            max(greatest(video_position_seconds, seek_new_seconds)), 0
        ) as furthest_seconds
    from video_events
    group by course_id, video_module_id, user_id
),

per_learner_with_pooled as (
    select * from per_learner
    union all
    select
        course_id,
        '(all videos)' as video_module_id,
        user_id,
        furthest_seconds
    from per_learner
),

per_video as (
    select
        course_id,
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
    from events_with_pooled
    group by course_id, video_module_id
),

pairs as (
    select
        course_id,
        video_module_id,
        count(*) as learner_videos,
        max(furthest_seconds) as longest_seconds
    from per_learner_with_pooled
    group by course_id, video_module_id
),

buckets as (
    select
        per_learner_with_pooled.course_id,
        per_learner_with_pooled.video_module_id,
        positions.bucket_seconds,
        count(distinct per_learner_with_pooled.user_id) filter (
            where
            per_learner_with_pooled.furthest_seconds
            >= positions.bucket_seconds
        ) as learners_reaching,
        count(*) filter (
            where
            per_learner_with_pooled.furthest_seconds
            >= positions.bucket_seconds
        ) as learner_videos_reaching
    from per_learner_with_pooled
    cross join generate_series(0, 3600, 30) as positions (bucket_seconds)
    group by
        per_learner_with_pooled.course_id,
        per_learner_with_pooled.video_module_id,
        positions.bucket_seconds
),

final as (
    select
        buckets.course_id,
        buckets.video_module_id,
        buckets.bucket_seconds,
        case
            when buckets.learners_reaching >= {{ minimum }}
                then buckets.learners_reaching
        end as learners_reaching,
        case
            when buckets.learners_reaching >= {{ minimum }}
                then
                    buckets.learner_videos_reaching * 1.0
                    / pairs.learner_videos
        end as share_reaching,
        pairs.learner_videos,
        per_video.plays,
        per_video.pauses,
        per_video.seeks,
        per_video.speed_changes,
        per_video.learners
    from buckets
    inner join per_video
        on
            buckets.course_id = per_video.course_id
            and buckets.video_module_id = per_video.video_module_id
    inner join pairs
        on
            buckets.course_id = pairs.course_id
            and buckets.video_module_id = pairs.video_module_id
    where
        per_video.learners >= {{ minimum }}
        and buckets.bucket_seconds <= pairs.longest_seconds
)

select * from final
