{#-
    One row per collaboration (forum contribution, vote, edit, moderation
    action, wiki edit or creation): the forum and wiki events that are
    collaborations, the pre-2015 request copy of an action that a current
    `edx.forum.*` event also logged removed, each linked to its parent
    collaboration through the ids in the events (a response to its thread,
    a comment to its response, a vote, edit or report to what it acts on,
    a wiki edit to the article's creation), and grouped with its siblings.
-#}
with

forum_events as (
    select * from {{ ref('int_forum_events_parsed') }}
),

wiki_events as (
    select * from {{ ref('int_wiki_events_parsed') }}
),

forum_collaborations as (
    select
        event_id,
        event_type,
        event_source,
        event_at,
        user_id,
        course_id,
        agent,
        ip,
        'forum' as collaboration_area,
        forum_era,
        collaboration_type_name,
        forum_content_id as content_key,
        parent_content_id as parent_key,
        commentable_id,
        case
            when collaboration_type_name in (
                'forum_vote', 'forum_unvote', 'forum_downvote'
            ) then vote_value
            when collaboration_type_name in ('forum_mark', 'forum_unmark')
                then mark_type
            when collaboration_type_name in ('forum_lock', 'forum_unlock')
                then lock_reason
            when collaboration_type_name in (
                'forum_post', 'forum_answer', 'forum_comment', 'forum_edit'
            ) then nullif(concat_ws(chr(10), forum_title, forum_body), '')
        end as collaboration_content,
        is_content_truncated,
        -- siblings: the children of one parent; threads: the threads of
        -- one discussion
        coalesce(
            'content|' || parent_content_id,
            'discussion|' || coalesce(course_id, '') || '|'
            || coalesce(commentable_id, '')
        ) as sibling_key
    from forum_events
    where is_collaboration
),

wiki_collaborations as (
    select
        event_id,
        event_type,
        event_source,
        event_at,
        user_id,
        course_id,
        agent,
        ip,
        'wiki' as collaboration_area,
        'legacy' as forum_era,
        collaboration_type_name,
        case
            when collaboration_type_name = 'wiki_create'
                then coalesce(course_id, '') || '|' || target_article_path
        end as content_key,
        case
            when collaboration_type_name = 'wiki_edit'
                then coalesce(course_id, '') || '|' || article_path
        end as parent_key,
        cast(null as {{ type_text() }}) as commentable_id,
        nullif(concat_ws(chr(10), wiki_title, wiki_content), '')
            as collaboration_content,
        false as is_content_truncated,
        'wiki|' || coalesce(course_id, '') || '|' || article_path
            as sibling_key
    from wiki_events
    where is_collaboration
),

collaborations_unioned as (
    select * from forum_collaborations
    union all
    select * from wiki_collaborations
),

legacy_events_kept as (
    -- a pre-2015 request is dropped when a current event logged the same
    -- action (an anti join: Spark cannot plan EXISTS in the select list of
    -- a union's branch)
    select legacy.*
    from collaborations_unioned as legacy
    where
        legacy.forum_era = 'legacy'
        and not exists (
            select 1
            from collaborations_unioned as current_events
            where
                current_events.forum_era = 'current'
                and current_events.user_id = legacy.user_id
                and current_events.collaboration_type_name
                = legacy.collaboration_type_name
                and coalesce(
                    current_events.parent_key,
                    'discussion|' || current_events.commentable_id
                ) = coalesce(
                    legacy.parent_key, 'discussion|' || legacy.commentable_id
                )
                and abs({{ seconds_between(
                    'legacy.event_at', 'current_events.event_at'
                ) }}) <= 60
        )
),

collaborations_kept as (
    select *
    from collaborations_unioned
    where forum_era = 'current'
    union all
    select * from legacy_events_kept
),

collaborations_identified as (
    select
        *,
        {{ hash_to_bigint("'collaboration|' || " ~ as_text('event_id')) }}
            as collaboration_id
    from collaborations_kept
    {{ optimization_fence() }}
),

creations_numbered as (
    -- the creation of a thread, response, comment or wiki article, first
    -- copy first when one was logged twice
    select
        content_key,
        collaboration_id,
        row_number() over (
            partition by content_key
            order by event_at nulls last, event_id
        ) as creation_number
    from collaborations_identified
    where
        content_key is not null
        and collaboration_type_name in (
            'forum_post', 'forum_answer', 'forum_comment', 'wiki_create'
        )
),

creations as (
    select
        content_key,
        collaboration_id
    from creations_numbered
    where creation_number = 1
),

collaborations_linked as (
    select
        collaborations_identified.*,
        creations.collaboration_id as collaboration_parent_id
    from collaborations_identified
    left join creations
        on collaborations_identified.parent_key = creations.content_key
)

select * from collaborations_linked
