{{ config(materialized='table') }}
{#-
    One row per observed event: its own URL (no inference yet) parsed and
    normalized. Normalization: scheme written `https`, host lower-cased (a
    default port dropped), query string and fragment dropped, repeated
    slashes collapsed, `%3A`/`%2B`/`%40` in course keys decoded, a trailing
    slash always. A courseware URL is classified by depth: `sequence`
    (`…/courseware/<chapter>/<sequence>/` — a panel number after it is read
    into `own_panel`), `unit`, `courseware_index`; other pages of the same
    course are `course_page`; pages of another course `other_course`;
    pages outside courses `site_page`.
-#}
with

events as (
    select * from {{ ref('int_observed_events_enriched') }}
),

urls as (
    -- URLs repeat across events: everything that depends on the URL alone
    -- (the regexes) is computed once per distinct URL, then joined back
    select distinct own_url_raw
    from events
    where own_url_raw is not null
),

urls_split as (
    select
        own_url_raw,
        {{ regex_replace(
            regex_extract('own_url_raw', '^[A-Za-z]+://([^/?#]+)'),
            ':(443|80)$', ''
        ) }} as own_url_host_raw,
        {{ regex_replace(
            "coalesce("
            ~ regex_extract('own_url_raw', '^[A-Za-z]+://[^/?#]+([^?#]*)')
            ~ ", '')",
            '/{2,}', '/'
        ) }} as own_url_path_raw
    from urls
),

paths_decoded as (
    select
        *,
        lower(own_url_host_raw) as own_url_host,
        replace(
            replace(replace(
                own_url_path_raw, '%3A', ':'
            ), '%2B', '+'), '%40', '@'
        ) as own_url_path
    from urls_split
    {{ optimization_fence() }}
),

courses_found as (
    select
        *,
        {{ regex_extract(
            'own_url_path',
            '^/courses/(course-v1:[^/]+|[^/:]+/[^/]+/[^/]+)(/|$)'
        ) }} as own_url_course_id
    from paths_decoded
    {{ optimization_fence() }}
),

course_paths as (
    select
        *,
        case
            when own_url_course_id is not null
                then substr(
                    own_url_path, length('/courses/' || own_url_course_id) + 2
                )
        end as course_path
    from courses_found
),

courseware_parts as (
    select
        *,
        split_part(coalesce(course_path, ''), '/', 1) as course_section,
        split_part(coalesce(course_path, ''), '/', 2) as chapter_name,
        split_part(coalesce(course_path, ''), '/', 3) as sequence_name,
        split_part(coalesce(course_path, ''), '/', 4) as panel_text,
        'https://' || own_url_host || '/courses/' || own_url_course_id || '/'
            as own_course_root_url
    from course_paths
    {{ optimization_fence() }}
),

url_pages as (
    select
        own_url_raw,
        own_url_host,
        own_url_course_id,
        course_section,
        chapter_name,
        sequence_name,
        own_course_root_url,
        case
            when
                {{ regex_matches('panel_text', '^[0-9]{1,6}$') }}
                and cast(panel_text as integer) >= 1
                then cast(panel_text as integer)
        end as panel_number,
        own_course_root_url
        || {{ regex_replace('course_path', '/+$', '') }}
        || case
            when {{ regex_matches('course_path', '[^/]') }} then '/'
            else ''
        end as course_page_url,
        'https://' || own_url_host
        || {{ regex_replace('own_url_path', '/+$', '') }} || '/'
            as site_page_url
    from courseware_parts
    {{ optimization_fence() }}
),

urls_joined as (
    -- an event without a URL has empty path parts, as the URL-less parse
    -- gives
    select
        events.*,
        url_pages.own_url_host,
        url_pages.own_url_course_id,
        coalesce(url_pages.course_section, '') as course_section,
        coalesce(url_pages.chapter_name, '') as chapter_name,
        coalesce(url_pages.sequence_name, '') as sequence_name,
        url_pages.own_course_root_url,
        url_pages.panel_number,
        url_pages.course_page_url,
        url_pages.site_page_url
    from events
    left join url_pages
        on events.own_url_raw = url_pages.own_url_raw
),

courses_completed as (
    -- the oldest logs have no context: the course of a server event is
    -- then read from the page it answers (its referer)
    select
        *,
        case
            when logged_course_id is not null then 'logged'
            when own_url_course_id is not null then 'url'
        end as course_inference,
        coalesce(logged_course_id, own_url_course_id) as course_id
    from urls_joined
),

urls_classified as (
    select
        *,
        case
            when own_url_host is null then null
            when own_url_course_id is null then 'site_page'
            when course_id is not null and own_url_course_id <> course_id
                then 'other_course'
            when
                course_section = 'courseware' and chapter_name <> ''
                and sequence_name <> ''
                then 'sequence'
            when course_section = 'courseware' and chapter_name <> ''
                then 'unit'
            when course_section = 'courseware' then 'courseware_index'
            else 'course_page'
        end as own_url_kind
    from courses_completed
    {{ optimization_fence() }}
),

urls_normalized as (
    select
        *,
        case
            when own_url_kind = 'sequence'
                then
                    own_course_root_url || 'courseware/' || chapter_name
                    || '/' || sequence_name || '/'
        end as own_sequence_url,
        case
            when own_url_kind = 'sequence' then panel_number
        end as own_panel,
        case
            when own_url_kind = 'unit'
                then own_course_root_url || 'courseware/' || chapter_name || '/'
            when own_url_kind = 'courseware_index'
                then own_course_root_url || 'courseware/'
            when own_url_kind in ('course_page', 'other_course')
                then course_page_url
            when own_url_kind = 'site_page'
                then site_page_url
        end as own_page_url
    from urls_classified
)

select
    event_id,
    user_id,
    trajectory_key,
    course_id,
    course_inference,
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
    course_section,
    chapter_name,
    sequence_name,
    own_sequence_url,
    own_panel,
    own_page_url
from urls_normalized
