{#-
    One row per distinct user-agent string parsed by the loader with
    ua-parser: the OS and browser names the marts `os` and `agent` carry
    (family + major version, e.g. `Windows 7`, `Chrome 64`; `Other` when
    ua-parser does not know it), with their ids.
-#}
with

user_agents as (
    select * from {{ source('tracking_log', 'user_agents') }}
),

names_built as (
    select
        user_agent,
        trim(
            coalesce(os_family, 'Other')
            || coalesce(' ' || os_major, '')
            || coalesce('.' || os_minor, '')
        ) as os_name,
        trim(
            coalesce(browser_family, 'Other')
            || coalesce(' ' || browser_major, '')
        ) as agent_name,
        device_family
    from user_agents
),

ids_built as (
    select
        user_agent,
        {{ hash_to_bigint("'os:' || os_name") }} as os_id,
        os_name,
        {{ hash_to_bigint("'agent:' || agent_name") }} as agent_id,
        agent_name,
        device_family
    from names_built
)

select * from ids_built
