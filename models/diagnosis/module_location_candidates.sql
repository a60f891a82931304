{#-
    Curation form (thesis §3.4.1): one row per courseware module and
    candidate page URL it was located on (observed or inherited), with how
    many events put it there, most frequent first (`candidate_rank` 1 is
    the default choice). A row with a NULL `candidate_url` counts the
    module's events that could not be located. The curator copies the right
    (course_id, module_id, url) into seeds/curated_module_locations.csv;
    `curated_url` shows the choice already made.
-#}
with

events as (
    select * from {{ ref('int_observed_events_located') }}
),

curated as (
    select * from {{ ref('curated_module_locations') }}
),

module_events as (
    select
        course_id,
        module_id,
        module_category,
        module_display_name,
        case when sequence_url is not null then url end as candidate_url,
        url_inference,
        panel_inference,
        event_at
    from events
    where
        is_courseware_interaction
        and course_id is not null
),

candidates_counted as (
    select
        course_id,
        module_id,
        candidate_url,
        min(module_category) as module_category,
        max(module_display_name) as module_display_name,
        count(*) as events_count,
        count(case when url_inference = 'observed' then 1 end)
            as observed_url_count,
        count(case when url_inference = 'inherited' then 1 end)
            as inherited_url_count,
        count(case when panel_inference = 'observed' then 1 end)
            as observed_panel_count,
        count(case when panel_inference = 'inherited' then 1 end)
            as inherited_panel_count,
        min(event_at) as first_seen_at,
        max(event_at) as last_seen_at
    from module_events
    group by course_id, module_id, candidate_url
),

candidates_ranked as (
    select
        *,
        case
            when candidate_url is not null
                then row_number() over (
                    partition by
                        course_id, module_id,
                        candidate_url is null
                    order by events_count desc, candidate_url asc
                )
        end as candidate_rank,
        count(candidate_url) over (
            partition by course_id, module_id
        ) as candidates_count
    from candidates_counted
),

candidates_with_choice as (
    select
        candidates_ranked.*,
        curated.url as curated_url,
        coalesce(candidates_ranked.candidate_url = curated.url, false)
            as is_curated_choice
    from candidates_ranked
    left join curated
        on
            candidates_ranked.course_id = curated.course_id
            and candidates_ranked.module_id = curated.module_id
)

select * from candidates_with_choice
