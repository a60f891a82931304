{#- Timestamps, behind adapter.dispatch. -#}

{#- parse_event_time(json_expr): an Open edX `time` value -> UTC timestamp.
    Accepts ISO strings with an offset or `Z` (converted to UTC), naive ISO
    strings (taken as UTC, as the platform writes them), with or without
    fractional seconds, and MongoDB exports' {"$date": <epoch ms>} or
    {"$date": "<ISO>"}. Anything else gives NULL (flagged in staging). -#}
{% macro parse_event_time(json_expr) %}
    {{ return(adapter.dispatch('parse_event_time', 'moocdb')(json_expr)) }}
{% endmacro %}
{% macro default__parse_event_time(json_expr) -%}
    {%- set text = moocdb.event_time_text(json_expr) -%}
    case
        when jsonb_typeof({{ json_expr }}) = 'object'
            and jsonb_typeof({{ json_expr }} -> '$date') = 'number'
            then to_timestamp(
                ({{ json_expr }} ->> '$date')::numeric / 1000
            ) at time zone 'UTC'
        when not coalesce({{ text }} like '____-__-__%', false) then null
        when {{ moocdb.time_text_has_offset(text) }}
            then case
                when pg_input_is_valid({{ text }}, 'timestamptz')
                    then {{ text }}::timestamptz at time zone 'UTC'
            end
        when pg_input_is_valid({{ text }}, 'timestamp')
            then {{ text }}::timestamp
    end
{%- endmacro %}

{#- time_text_has_offset(text_expr): true when an ISO time text ends with a
    UTC offset (`Z`, `+05:30`, `-0400`, `+02`). Plain SQL (no regex): it runs
    once per event. -#}
{% macro time_text_has_offset(text_expr) -%}
    (
        length({{ text_expr }}) > 19
        and (
            upper(right({{ text_expr }}, 1)) = 'Z'
            or substr({{ text_expr }}, length({{ text_expr }}) - 5, 1) in ('+', '-')
            or substr({{ text_expr }}, length({{ text_expr }}) - 4, 1) in ('+', '-')
            or substr({{ text_expr }}, length({{ text_expr }}) - 2, 1) in ('+', '-')
        )
    )
{%- endmacro %}

{#- event_time_text(json_expr): the ISO text of a `time` value (a string,
    or the string inside {"$date": "..."}); NULL otherwise. -#}
{% macro event_time_text(json_expr) %}
    {{ return(adapter.dispatch('event_time_text', 'moocdb')(json_expr)) }}
{% endmacro %}
{% macro default__event_time_text(json_expr) -%}
    (case
        when jsonb_typeof({{ json_expr }}) = 'string' then {{ json_expr }} #>> '{}'
        when jsonb_typeof({{ json_expr }} -> '$date') = 'string'
            then {{ json_expr }} ->> '$date'
    end)
{%- endmacro %}

{#- seconds_between(start, end): seconds from start to end (double). -#}
{% macro seconds_between(start_expr, end_expr) %}
    {{ return(adapter.dispatch('seconds_between', 'moocdb')(start_expr, end_expr)) }}
{% endmacro %}
{% macro default__seconds_between(start_expr, end_expr) -%}
    extract(epoch from ({{ end_expr }} - {{ start_expr }}))
{%- endmacro %}
