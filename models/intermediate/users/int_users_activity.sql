{#-
    One row per user seen in the logs (stg user_id not null): pseudonym,
    whether the user was never logged in (session pseudonym), first and
    last event, and the most frequent IP (policy-applied), browser agent
    and accept-language tag of the user's events (ties: the latest seen).
-#}
{{ config(materialized='table') }}
with

events as (
    select * from {{ ref('stg_tracking_log__events') }}
),

user_events as (
    select
        user_id,
        user_pseudonym,
        is_anonymous,
        event_at,
        ip,
        agent,
        accept_language
    from events
    where user_id is not null
),

users_aggregated as (
    select
        user_id,
        min(user_pseudonym) as user_pseudonym,
        bool_and(is_anonymous) as is_anonymous,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at,
        count(*) as events_count
    from user_events
    group by user_id
),

ips_counted as (
    select
        user_id,
        ip,
        count(*) as events_count,
        max(event_at) as last_seen_at
    from user_events
    where ip is not null
    group by user_id, ip
),

ips_ranked as (
    select
        *,
        row_number() over (
            partition by user_id
            order by events_count desc, last_seen_at desc nulls last, ip asc
        ) as ip_rank
    from ips_counted
),

agents_counted as (
    select
        user_id,
        agent,
        count(*) as events_count,
        max(event_at) as last_seen_at
    from user_events
    where nullif(trim(agent), '') is not null
    group by user_id, agent
),

agents_ranked as (
    select
        *,
        row_number() over (
            partition by user_id
            order by events_count desc, last_seen_at desc nulls last, agent asc
        ) as agent_rank
    from agents_counted
),

language_headers_counted as (
    -- few distinct headers per user: parse each once
    select
        user_id,
        accept_language,
        count(*) as events_count,
        max(event_at) as last_seen_at
    from user_events
    where nullif(trim(accept_language), '') is not null
    group by user_id, accept_language
),

language_tags_extracted as (
    -- the header's first (preferred) language tag, e.g. en-US,en;q=0.8
    select
        user_id,
        events_count,
        last_seen_at,
        lower({{ regex_extract(
            'accept_language', '^\s*([A-Za-z]{1,8})(?:[-_][A-Za-z0-9]{1,8})*'
        ) }}) as language_primary,
        {{ regex_extract(
            'accept_language', '^\s*[A-Za-z]{1,8}[-_]([A-Za-z0-9]{1,8})'
        ) }} as language_subtag
    from language_headers_counted
),

language_tags_normalized as (
    select
        user_id,
        language_primary
        || case
            when {{ regex_matches('language_subtag', '^[A-Za-z]{2}$') }}
                then '-' || upper(language_subtag)
            when language_subtag is not null
                then '-' || lower(language_subtag)
            else ''
        end as user_language,
        events_count,
        last_seen_at
    from language_tags_extracted
    where language_primary is not null
),

languages_counted as (
    select
        user_id,
        user_language,
        sum(events_count) as events_count,
        max(last_seen_at) as last_seen_at
    from language_tags_normalized
    group by user_id, user_language
),

languages_ranked as (
    select
        *,
        row_number() over (
            partition by user_id
            order by
                events_count desc, last_seen_at desc nulls last, user_language asc
        ) as language_rank
    from languages_counted
),

final as (
    select
        users_aggregated.user_id,
        users_aggregated.user_pseudonym,
        users_aggregated.is_anonymous,
        users_aggregated.first_event_at,
        users_aggregated.last_event_at,
        users_aggregated.events_count,
        ips_ranked.ip as most_frequent_ip,
        agents_ranked.agent as most_frequent_agent,
        languages_ranked.user_language as most_frequent_language
    from users_aggregated
    left join ips_ranked
        on
            users_aggregated.user_id = ips_ranked.user_id
            and ips_ranked.ip_rank = 1
    left join agents_ranked
        on
            users_aggregated.user_id = agents_ranked.user_id
            and agents_ranked.agent_rank = 1
    left join languages_ranked
        on
            users_aggregated.user_id = languages_ranked.user_id
            and languages_ranked.language_rank = 1
)

select * from final
