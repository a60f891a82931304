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
    case
        when jsonb_typeof({{ json_expr }}) = 'object'
            and jsonb_typeof({{ json_expr }} -> '$date') = 'number'
            then to_timestamp(
                ({{ json_expr }} ->> '$date')::numeric / 1000
            ) at time zone 'UTC'
        when {{ moocdb.event_time_text(json_expr) }} ~ '(Z|[+-]\d\d(:?\d\d)?)$'
            and pg_input_is_valid({{ moocdb.event_time_text(json_expr) }}, 'timestamptz')
            then {{ moocdb.event_time_text(json_expr) }}::timestamptz at time zone 'UTC'
        when {{ moocdb.event_time_text(json_expr) }} ~ '^\d{4}-\d\d-\d\d[T ]\d\d:\d\d'
            and pg_input_is_valid({{ moocdb.event_time_text(json_expr) }}, 'timestamp')
            then {{ moocdb.event_time_text(json_expr) }}::timestamp
    end
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
