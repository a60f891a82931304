{#-
    One row per course-wiki request logged by the old tracking middleware
    with its URL path as event_type (`/courses/<course>/wiki/<article>/
    _edit/`, `/wiki/<article>/_create/`, ...; the tracking-log docs describe
    no wiki event). A request that posted text (`content` or `title`) to
    `_edit/` is an edit, to `_create/` an article creation: both are
    collaborations (wiki_edit, wiki_create); the rest (views, history,
    settings, form views) are not. Text under the free-text policy.
-#}
{{ config(materialized='table') }}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

wiki_events as (
    select
        event_id,
        event_type,
        raw_event_type,
        event_source,
        event_at,
        user_id,
        course_id,
        session_id,
        agent,
        ip,
        event_payload,
        {{ regex_extract(
            'raw_event_type',
            '^(?:/courses/(?:course-v1:[^/]+|[^/:]+/[^/]+/[^/]+))?/wiki/(.*)$'
        ) }} as wiki_path
    from events
    where
        is_page_view_path
        and {{ regex_matches(
            'raw_event_type',
            '^(/courses/(course-v1:[^/]+|[^/:]+/[^/]+/[^/]+))?/wiki/'
        ) }}
),

paths_parsed as (
    select
        *,
        coalesce(
            {{ regex_extract('wiki_path', '(?:^|/)_([a-z]+)(?:/|$)') }},
            'view'
        ) as wiki_verb,
        {{ regex_replace(
            regex_replace('wiki_path', '(^|/)_[a-z]+(/.*)?$', ''),
            '/+$',
            ''
        ) }} as article_path,
        {{ json_get_text('event_payload', 'POST', 'title', '0') }}
            as title_raw,
        {{ json_get_text('event_payload', 'POST', 'content', '0') }}
            as content_raw,
        {{ json_get_text('event_payload', 'POST', 'summary', '0') }}
            as summary_raw,
        {{ json_get_text('event_payload', 'POST', 'slug', '0') }} as slug
    from wiki_events
    {{ optimization_fence() }}
),

actions_classified as (
    select
        *,
        case
            when title_raw is null and content_raw is null then null
            when wiki_verb = 'edit' then 'wiki_edit'
            when wiki_verb = 'create' then 'wiki_create'
        end as collaboration_type_name,
        -- the article a creation makes: the parent path plus the slug
        case
            when wiki_verb = 'create' and slug is not null
                then case
                    when article_path = '' then slug
                    else article_path || '/' || slug
                end
            else article_path
        end as target_article_path
    from paths_parsed
),

final as (
    select
        event_id,
        event_type,
        raw_event_type,
        event_source,
        event_at,
        user_id,
        course_id,
        session_id,
        agent,
        ip,
        wiki_verb,
        article_path,
        target_article_path,
        collaboration_type_name,
        collaboration_type_name is not null as is_collaboration,
        {{ scrub_free_text('title_raw') }} as wiki_title,
        {{ scrub_free_text('content_raw') }} as wiki_content,
        {{ scrub_free_text('summary_raw') }} as wiki_summary
    from actions_classified
)

select * from final
