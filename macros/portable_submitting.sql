{#- Portable SQL for the submitting, feedback, collaborating and users
    models: the few constructs whose syntax differs between Postgres and
    Spark, behind adapter.dispatch (Spark versions in
    macros/spark/submitting.sql). -#}

{#- type_ip(): the type of the IP columns (the policy-applied address of
    staging): inet on Postgres, string on Spark (for typed NULLs). -#}
{% macro type_ip() %}
    {{- return(adapter.dispatch('type_ip', 'moocdb')()) -}}
{% endmacro %}
{% macro default__type_ip() %}inet{% endmacro %}

{#- value_at_max(value_expr, order_expr): an aggregate giving the value of
    the row with the largest order_expr (unique within a group). -#}
{% macro value_at_max(value_expr, order_expr) %}
    {{ return(adapter.dispatch('value_at_max', 'moocdb')(value_expr, order_expr)) }}
{% endmacro %}
{% macro default__value_at_max(value_expr, order_expr) -%}
    (array_agg({{ value_expr }} order by {{ order_expr }} desc))[1]
{%- endmacro %}

{#- lateral_rows(set_expr, alias, columns): the join clause adding one row
    per item of a set-returning expression (json_object_entries,
    json_object_text_entries, json_array_text_items, split_to_rows) to the
    single relation of the FROM clause before it, its columns named
    `alias.<columns>`; a row whose set is empty is dropped. -#}
{% macro lateral_rows(set_expr, alias, columns) %}
    {{ return(adapter.dispatch('lateral_rows', 'moocdb')(set_expr, alias, columns)) }}
{% endmacro %}
{% macro default__lateral_rows(set_expr, alias, columns) -%}
    cross join lateral {{ set_expr }} as {{ alias }} ({{ columns | join(', ') }})
{%- endmacro %}

{#- lateral_json_record(json_expr, alias, keys): the join clause giving the
    single relation of the FROM clause before it the members of a JSON
    object as JSON columns `alias.<key>` (NULL when absent, JSON null or
    not an object), the object read once (json_record). -#}
{% macro lateral_json_record(json_expr, alias, keys) %}
    {{ return(adapter.dispatch('lateral_json_record', 'moocdb')(json_expr, alias, keys)) }}
{% endmacro %}
{% macro default__lateral_json_record(json_expr, alias, keys) -%}
    left join lateral {{ moocdb.json_record(json_expr, alias, keys) }} on true
{%- endmacro %}

{#- as_text(expr): a value cast to the engine's text type. -#}
{% macro as_text(expr) -%}
    cast({{ expr }} as {{ moocdb.type_text() }})
{%- endmacro %}
