{#-
    One row per observed event, with the courseware sequence it happened on
    after URL inheritance (thesis §3.3.1).

    Rule: an event about a courseware module (a problem, a video, a poll…)
    whose own URL is not a courseware sequence page (a server `problem_check`
    has page `x_module`; an AJAX call's referer may be missing) inherits the
    sequence URL of the same user's latest earlier event *in the same
    course* whose own URL was a courseware sequence page — never a forum,
    wiki, book, progress or dashboard URL, which are not seeds. The seed must
    be at most var `location_inheritance_max_seconds` (default 1800 s, the
    usual 30-minute web-session idle limit) older than the event, otherwise
    the location stays unknown. Mobile-app events never inherit (the app
    shows a module without a web page; the last web page is another
    device's). Order: per user and course, by time, a move before what
    happens at the same instant, then event id (unique).

    Before that, an event whose course is unknown (oldest logs: no context,
    no URL) inherits the course of the user's latest earlier event when the
    module id's org and number match it, within the same time bound.
-#}
{%- set max_gap = var('location_inheritance_max_seconds') -%}
with

events as (
    select * from {{ ref('int_observed_events_urls_normalized') }}
),

events_flagged as (
    select
        *,
        coalesce(
            module_id is not null and module_category <> 'forum_topic', false
        ) as is_courseware_interaction,
        coalesce(own_url_kind = 'sequence', false) as is_location_seed,
        coalesce(
            {{ regex_extract('module_id', '^i4x://([^/]+/[^/]+)/') }},
            {{ regex_extract('module_id', '^block-v1:([^+]+\+[^+]+)\+') }})
            as module_org_number
    from events
),

course_seed_groups as (
    select
        *,
        count(course_id) over (
            partition by trajectory_key
            order by event_at, same_instant_rank, event_id
            rows between unbounded preceding and current row
        ) as course_seed_group
    from events_flagged
),

course_seeds as (
    select
        *,
        first_value(course_id) over course_group as seed_course_id,
        first_value(event_at) over course_group as seed_course_at
    from course_seed_groups
    window course_group as (
        partition by trajectory_key, course_seed_group
        order by event_at, same_instant_rank, event_id
    )
),

courses_inherited as (
    select
        *,
        case
            when course_id is not null then course_id
            when
                is_courseware_interaction
                and course_seed_group > 0
                and {{ seconds_between('seed_course_at', 'event_at') }}
                <= {{ max_gap }}
                and module_org_number = replace(
                    {{ course_key_part('seed_course_id', 'org') }} || '/'
                    || {{ course_key_part('seed_course_id', 'number') }},
                    '/',
                    case
                        when seed_course_id like 'course-v1:%'
                            then '+'
                        else '/'
                    end
                )
                then seed_course_id
        end as resolved_course_id,
        case
            when course_id is not null then course_inference
            when
                is_courseware_interaction
                and course_seed_group > 0
                and {{ seconds_between('seed_course_at', 'event_at') }}
                <= {{ max_gap }}
                and module_org_number = replace(
                    {{ course_key_part('seed_course_id', 'org') }} || '/'
                    || {{ course_key_part('seed_course_id', 'number') }},
                    '/',
                    case
                        when seed_course_id like 'course-v1:%'
                            then '+'
                        else '/'
                    end
                )
                then 'inherited'
            else 'unknown'
        end as resolved_course_inference
    from course_seeds
),

url_seed_groups as (
    select
        *,
        count(case when is_location_seed then 1 end) over (
            partition by trajectory_key, resolved_course_id
            order by event_at, same_instant_rank, event_id
            rows between unbounded preceding and current row
        ) as url_seed_group
    from courses_inherited
),

url_seeds as (
    select
        *,
        first_value(own_sequence_url) over url_group as seed_sequence_url,
        first_value(event_at) over url_group as seed_at,
        first_value(event_id) over url_group as seed_event_id
    from url_seed_groups
    window url_group as (
        partition by trajectory_key, resolved_course_id, url_seed_group
        order by event_at, same_instant_rank, event_id
    )
),

urls_inherited as (
    select
        *,
        is_courseware_interaction
        and not is_location_seed
        and event_source <> 'mobile'
        and resolved_course_id is not null
        and url_seed_group > 0
        and {{ seconds_between('seed_at', 'event_at') }} <= {{ max_gap }}
            as is_url_inherited
    from url_seeds
),

sequences_resolved as (
    select
        event_id,
        user_id,
        trajectory_key,
        resolved_course_id as course_id,
        resolved_course_inference as course_inference,
        event_at,
        same_instant_rank,
        event_source,
        event_type,
        observed_event_type_name,
        family,
        activity_mode,
        ip,
        agent,
        envelope_host,
        module_id,
        module_category,
        module_block_name,
        module_display_name,
        module_id_source,
        is_courseware_interaction,
        is_tab_change,
        is_sequence_exit,
        origin_tab,
        destination_panel,
        navigation_target_name,
        is_background_request,
        own_url_raw,
        own_url_source,
        own_url_kind,
        own_url_host,
        own_url_course_id,
        chapter_name,
        sequence_name,
        own_sequence_url,
        own_panel,
        own_page_url,
        is_location_seed,
        is_url_inherited,
        case
            when is_location_seed then own_sequence_url
            when is_url_inherited then seed_sequence_url
        end as sequence_url,
        case when is_url_inherited then seed_event_id end
            as url_inherited_from_event_id
    from urls_inherited
)

select * from sequences_resolved
