{#- JSON access. Every adapter-specific JSON expression of the project lives
    here, behind adapter.dispatch, so the models stay plain SQL. -#}

{#- parse_json(text_expr): text known to be valid JSON -> json value. -#}
{% macro parse_json(text_expr) %}
    {{ return(adapter.dispatch('parse_json', 'moocdb')(text_expr)) }}
{% endmacro %}
{% macro default__parse_json(text_expr) %}cast({{ text_expr }} as jsonb){% endmacro %}

{#- is_valid_json(text_expr): true when the text parses as JSON. -#}
{% macro is_valid_json(text_expr) %}
    {{ return(adapter.dispatch('is_valid_json', 'moocdb')(text_expr)) }}
{% endmacro %}
{% macro default__is_valid_json(text_expr) -%}
    pg_input_is_valid({{ text_expr }}, 'jsonb')
{%- endmacro %}

{#- json_get(json_expr, *keys): the JSON value at a key path (NULL if absent). -#}
{% macro json_get(json_expr) %}
    {{ return(adapter.dispatch('json_get', 'moocdb')(json_expr, varargs)) }}
{% endmacro %}
{% macro default__json_get(json_expr, keys) -%}
    ({{ json_expr }}{% for key in keys %} -> '{{ key }}'{% endfor %})
{%- endmacro %}

{#- json_get_text(json_expr, *keys): the value at a key path as text
    (strings unquoted, objects/arrays/numbers as their JSON text). -#}
{% macro json_get_text(json_expr) %}
    {{ return(adapter.dispatch('json_get_text', 'moocdb')(json_expr, varargs)) }}
{% endmacro %}
{% macro default__json_get_text(json_expr, keys) -%}
    ({{ json_expr }} #>> '{ {{- keys | join(',') -}} }')
{%- endmacro %}

{#- json_type(json_expr): object | array | string | number | boolean | null. -#}
{% macro json_type(json_expr) %}
    {{ return(adapter.dispatch('json_type', 'moocdb')(json_expr)) }}
{% endmacro %}
{% macro default__json_type(json_expr) %}jsonb_typeof({{ json_expr }}){% endmacro %}

{#- json_as_text(json_expr): a JSON string's value, or any value's JSON text. -#}
{% macro json_as_text(json_expr) %}
    {{ return(adapter.dispatch('json_as_text', 'moocdb')(json_expr)) }}
{% endmacro %}
{% macro default__json_as_text(json_expr) %}({{ json_expr }} #>> '{}'){% endmacro %}

{#- json_from_text(text_expr): a text value wrapped as a JSON string. -#}
{% macro json_from_text(text_expr) %}
    {{ return(adapter.dispatch('json_from_text', 'moocdb')(text_expr)) }}
{% endmacro %}
{% macro default__json_from_text(text_expr) %}to_jsonb({{ text_expr }}){% endmacro %}

{#- optimization_fence(): keeps the planner from inlining a subquery, so an
    expensive expression (parsing a line's JSON) is computed once per row
    instead of once per reference. Postgres: OFFSET 0. -#}
{% macro optimization_fence() %}
    {{ return(adapter.dispatch('optimization_fence', 'moocdb')()) }}
{% endmacro %}
{% macro default__optimization_fence() %}offset 0{% endmacro %}
