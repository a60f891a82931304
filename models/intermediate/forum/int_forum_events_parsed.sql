{#-
    One row per discussion-forum event, both eras: the documented
    `edx.forum.*` server events (since 2014-2015) and the older server
    requests logged with the URL path as event_type
    (`/courses/<course>/discussion/...`, the only record of forum activity
    before March 2015). Extracts the ids that link contributions (content,
    thread, response, parent), the discussion (commentable), the text under
    the free-text policy and the author's roles; classifies each event into
    a collaboration type (NULL for views, searches and subscriptions, which
    are observed events). The only forum model that reads JSON.
-#}
{{ config(materialized='table') }}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

forum_events as (
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
        page_url,
        event_payload,
        event_payload_format,
        event_payload_text,
        case
            when event_type like 'edx.forum.%' then 'current'
            else 'legacy'
        end as forum_era,
        {{ regex_extract(
            'raw_event_type',
            '^/courses/(?:course-v1:[^/]+|[^/:]+/[^/]+/[^/]+)/discussion/(.+)$'
        ) }} as legacy_path
    from events
    where
        event_type like 'edx.forum.%'
        or (
            is_page_view_path
            and {{ regex_matches(
                'raw_event_type',
                '^/courses/(course-v1:[^/]+|[^/:]+/[^/]+/[^/]+)/discussion/.'
            ) }}
        )
),

paths_parsed as (
    -- legacy request paths: <commentable>/threads/create,
    -- threads|comments/<id>/<verb>, forum/<commentable>/threads/<id>,
    -- forum/search
    select
        *,
        coalesce(
            {{ regex_matches('legacy_path', '^([^/]+/)?threads/create/?$') }},
            false
        ) as is_legacy_create,
        {{ regex_extract('legacy_path', '^([^/]+)/threads/create/?$') }}
            as legacy_create_commentable_id,
        {{ regex_extract(
            'legacy_path', '^(threads|comments)/[^/]+/[A-Za-z_]+/?$'
        ) }} as legacy_target_kind,
        {{ regex_extract(
            'legacy_path', '^(?:threads|comments)/([^/]+)/[A-Za-z_]+/?$'
        ) }} as legacy_target_id,
        {{ regex_extract(
            'legacy_path', '^(?:threads|comments)/[^/]+/([A-Za-z_]+)/?$'
        ) }} as legacy_verb,
        {{ regex_extract(
            'legacy_path', '^forum/([^/]+)/(?:threads|inline)(?:/|$)'
        ) }} as legacy_view_commentable_id,
        {{ regex_extract('legacy_path', '^forum/[^/]+/threads/([^/]+)/?$') }}
            as legacy_view_thread_id,
        coalesce(
            {{ regex_matches('legacy_path', '^forum/search/?$') }}, false
        ) as is_legacy_search,
        -- the forum's pages: the list, a discussion, a thread, a profile
        coalesce(
            {{ regex_matches('legacy_path', '^forum(/|$)') }}, false
        ) as is_legacy_forum_page,
        -- the old middleware cut the request's JSON at 512 characters: the
        -- start of the body is recovered from the text (JSON-escaped)
        case
            when event_payload_format = 'truncated_json'
                then {{ regex_extract(
                    'event_payload_text',
                    '"body": \\[("(?:[^"\\\\]|\\\\.)*)'
                ) }}
        end as truncated_body_json
    from forum_events
    -- computed once per row: later layers reference these columns often
    {{ optimization_fence() }}
),

truncated_bodies_stripped as (
    select
        *,
        {{ regex_replace(
            'truncated_body_json', '\\\\(u[0-9A-Fa-f]{0,3})?$', ''
        ) }} as truncated_body_stripped
    from paths_parsed
    -- computed once per row: later layers reference these columns often
    {{ optimization_fence() }}
),

fields_extracted as (
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
        page_url,
        forum_era,
        legacy_path,
        is_legacy_create,
        legacy_target_kind,
        legacy_verb,
        is_legacy_search,
        is_legacy_forum_page,
        legacy_view_thread_id,
        {{ regex_extract(
            'event_type', '^edx\.forum\.(thread|response|comment)\.'
        ) }} as current_object,
        {{ regex_extract(
            'event_type', '^edx\.forum\.(?:[a-z]+\.)?([a-z_]+)$'
        ) }} as current_verb,
        case
            when forum_era = 'current'
                then {{ json_get_text('event_payload', 'id') }}
            when not is_legacy_create and legacy_verb <> 'reply'
                then legacy_target_id
        end as forum_content_id,
        case
            when event_type like 'edx.forum.thread.%'
                then {{ json_get_text('event_payload', 'id') }}
            when forum_era = 'current'
                then {{ json_get_text('event_payload', 'discussion', 'id') }}
            when legacy_target_kind = 'threads' then legacy_target_id
            else legacy_view_thread_id
        end as thread_id,
        case
            when event_type like 'edx.forum.response.%'
                then {{ json_get_text('event_payload', 'id') }}
            when event_type like 'edx.forum.comment.%'
                then {{ json_get_text('event_payload', 'response', 'id') }}
            when legacy_target_kind = 'comments' and legacy_verb = 'reply'
                then legacy_target_id
        end as response_id,
        coalesce(
            {{ json_get_text('event_payload', 'commentable_id') }},
            {{ json_get_text('event_payload', 'category_id') }},
            legacy_create_commentable_id,
            legacy_view_commentable_id
        ) as commentable_id,
        {{ json_get_text('event_payload', 'category_name') }}
            as category_name,
        coalesce(
            {{ json_get_text('event_payload', 'title') }},
            {{ json_get_text('event_payload', 'POST', 'title', '0') }}
        ) as title_raw,
        coalesce(
            {{ json_get_text('event_payload', 'body') }},
            {{ json_get_text('event_payload', 'POST', 'body', '0') }},
            case
                when {{ is_valid_json("truncated_body_json || '\"'") }}
                    then {{ json_as_text(
                        parse_json("truncated_body_json || '\"'")
                    ) }}
                -- cut inside an escape sequence: drop the partial escape
                when {{ is_valid_json("truncated_body_stripped || '\"'") }}
                    then {{ json_as_text(
                        parse_json("truncated_body_stripped || '\"'")
                    ) }}
            end
        ) as body_raw,
        coalesce(
            {{ json_get_text('event_payload', 'truncated') }} = 'true'
            or {{ json_get_text('event_payload', 'title_truncated') }}
            = 'true'
            or truncated_body_json is not null,
            false
        ) as is_content_truncated,
        coalesce(
            {{ json_get_text('event_payload', 'vote_value') }},
            case
                when legacy_verb = 'upvote' then 'up'
                when legacy_verb = 'downvote' then 'down'
            end
        ) as vote_value,
        coalesce(
            {{ json_get_text('event_payload', 'undo_vote') }} = 'true'
            or legacy_verb = 'unvote',
            false
        ) as is_undo_vote,
        coalesce(
            {{ json_get_text('event_payload', 'mark_type') }},
            case when legacy_verb = 'endorse' then 'Endorse' end
        ) as mark_type,
        {{ json_get_text('event_payload', 'POST', 'endorsed', '0') }}
            as legacy_endorsed,
        {{ json_get_text('event_payload', 'POST', 'closed', '0') }}
            as legacy_closed,
        {{ json_get_text('event_payload', 'lock_reason') }}
            as lock_reason_raw,
        {{ json_get_text('event_payload', 'edit_reason') }}
            as edit_reason_raw,
        {{ json_get_text('event_payload', 'content_type') }}
            as content_type,
        {{ json_get_text('event_payload', 'thread_type') }} as thread_type,
        {{ json_get_text('event_payload', 'team_id') }} as team_id,
        {{ json_get_text('event_payload', 'group_id') }} as group_id,
        coalesce(
            {{ json_get_text('event_payload', 'anonymous') }} = 'true'
            or {{ json_get_text('event_payload', 'POST', 'anonymous', '0') }}
            = 'true',
            false
        ) as is_anonymous_post,
        coalesce(
            {{ json_get_text('event_payload', 'anonymous_to_peers') }}
            = 'true'
            or {{ json_get_text(
                'event_payload', 'POST', 'anonymous_to_peers', '0'
            ) }} = 'true',
            false
        ) as is_anonymous_to_peers,
        coalesce(
            {{ json_get_text('event_payload', 'query') }},
            {{ json_get_text('event_payload', 'GET', 'text', '0') }}
        ) as search_query_raw,
        case
            when {{ regex_matches(
                json_get_text('event_payload', 'total_results'), '^\d{1,9}$'
            ) }}
                then cast(
                    {{ json_get_text('event_payload', 'total_results') }}
                    as integer
                )
        end as search_total_results,
        {{ json_get('event_payload', 'user_course_roles') }}
            as user_course_roles,
        {{ json_get('event_payload', 'user_forums_roles') }}
            as user_forums_roles
    from truncated_bodies_stripped
    -- computed once per row: later layers reference these columns often
    {{ optimization_fence() }}
),

actions_classified as (
    select
        *,
        case
            when forum_era = 'current' then current_object
            when is_legacy_create then 'thread'
            when legacy_target_kind = 'threads' and legacy_verb = 'reply'
                then 'response'
            when legacy_target_kind = 'threads' then 'thread'
            -- a comments/<id> path names a response or a comment
            when legacy_target_kind = 'comments' then 'comment'
            when legacy_view_thread_id is not null then 'thread'
        end as forum_object,
        case
            when
                forum_era = 'current' and current_verb = 'voted'
                and is_undo_vote then 'unvoted'
            when
                forum_era = 'current' and current_verb = 'voted'
                and vote_value = 'down' then 'downvoted'
            when forum_era = 'current' then current_verb
            when is_legacy_create then 'created'
            when legacy_verb = 'reply' then 'created'
            when legacy_verb = 'upvote' then 'voted'
            when legacy_verb = 'downvote' then 'downvoted'
            when legacy_verb = 'unvote' then 'unvoted'
            when legacy_verb = 'update' then 'edited'
            when legacy_verb = 'delete' then 'deleted'
            when legacy_verb = 'flagAbuse' then 'reported'
            when legacy_verb = 'unFlagAbuse' then 'unreported'
            -- one toggle in the old forum; named as the current events
            when legacy_verb = 'endorse' and legacy_endorsed = 'false'
                then 'unmark'
            when legacy_verb = 'endorse' then 'mark'
            when legacy_verb = 'close' and legacy_closed = 'false'
                then 'unlocked'
            when legacy_verb = 'close' then 'locked'
            when legacy_verb = 'pin' then 'pinned'
            when legacy_verb = 'unpin' then 'unpinned'
            when legacy_verb = 'follow' then 'followed'
            when legacy_verb = 'unfollow' then 'unfollowed'
            when is_legacy_search then 'searched'
            when is_legacy_forum_page then 'viewed'
            else 'other'
        end as forum_action
    from fields_extracted
    -- computed once per row: later layers reference these columns often
    {{ optimization_fence() }}
),

types_assigned as (
    select
        *,
        case
            -- a create/reply/update request without any text was not a
            -- submitted contribution (a form view)
            when
                forum_era = 'legacy'
                and forum_action in ('created', 'edited')
                and title_raw is null and body_raw is null
                then null
            when forum_action = 'created' and forum_object = 'thread'
                then 'forum_post'
            when forum_action = 'created' and forum_object = 'response'
                then 'forum_answer'
            when forum_action = 'created' and forum_object = 'comment'
                then 'forum_comment'
            when forum_action = 'voted' then 'forum_vote'
            when forum_action = 'unvoted' then 'forum_unvote'
            when forum_action = 'downvoted' then 'forum_downvote'
            when forum_action = 'edited' then 'forum_edit'
            when forum_action = 'deleted' then 'forum_delete'
            when forum_action = 'reported' then 'forum_report'
            when forum_action = 'unreported' then 'forum_unreport'
            when forum_action = 'mark' then 'forum_mark'
            when forum_action = 'unmark' then 'forum_unmark'
            when forum_action = 'locked' then 'forum_lock'
            when forum_action = 'unlocked' then 'forum_unlock'
            when forum_action = 'pinned' then 'forum_pin'
            when forum_action = 'unpinned' then 'forum_unpin'
        end as collaboration_type_name,
        case
            when forum_action = 'created' and forum_object = 'response'
                then thread_id
            when forum_action = 'created' and forum_object = 'comment'
                then response_id
            when forum_action = 'created' then null
            else forum_content_id
        end as parent_content_id
    from actions_classified
    -- computed once per row: later layers reference these columns often
    {{ optimization_fence() }}
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
        page_url,
        forum_era,
        forum_object,
        forum_action,
        collaboration_type_name,
        collaboration_type_name is not null as is_collaboration,
        forum_content_id,
        parent_content_id,
        thread_id,
        response_id,
        commentable_id,
        category_name,
        {{ scrub_free_text('title_raw') }} as forum_title,
        {{ scrub_free_text('body_raw') }} as forum_body,
        is_content_truncated,
        vote_value,
        is_undo_vote,
        mark_type,
        {{ scrub_free_text('lock_reason_raw') }} as lock_reason,
        {{ scrub_free_text('edit_reason_raw') }} as edit_reason,
        content_type,
        thread_type,
        team_id,
        group_id,
        is_anonymous_post,
        is_anonymous_to_peers,
        {{ scrub_free_text('search_query_raw') }} as search_query,
        search_total_results,
        user_course_roles,
        user_forums_roles
    from types_assigned
)

select * from final
