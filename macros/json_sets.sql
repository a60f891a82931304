{#- JSON sets: expanding a JSON object into rows and folding rows into a
    JSON array, behind adapter.dispatch (used only by int_*_parsed models). -#}

{#- json_object_entries(json_expr): a set-returning expression with one row
    per key of a JSON object, columns (key text, value json). Anything but
    an object (null, array, string) gives no rows instead of an error. Use
    as `cross join lateral {{ json_object_entries('x') }} as e (k, v)`. -#}
{% macro json_object_entries(json_expr) %}
    {{ return(adapter.dispatch('json_object_entries', 'moocdb')(json_expr)) }}
{% endmacro %}
{% macro default__json_object_entries(json_expr) -%}
    jsonb_each(
        case when jsonb_typeof({{ json_expr }}) = 'object'
            then {{ json_expr }}
        end
    )
{%- endmacro %}

{#- json_array_agg(value_expr, order_expr): an aggregate folding text
    values into a JSON array (in order_expr order), returned as JSON. -#}
{% macro json_array_agg(value_expr, order_expr) %}
    {{ return(adapter.dispatch('json_array_agg', 'moocdb')(value_expr, order_expr)) }}
{% endmacro %}
{% macro default__json_array_agg(value_expr, order_expr) -%}
    jsonb_agg({{ value_expr }} order by {{ order_expr }})
{%- endmacro %}

{#- json_number(json_expr): a JSON number, or a string holding a decimal
    number, as double precision; NULL for anything else (null, "", "None",
    objects). -#}
{% macro json_number(json_expr) %}
    {{ return(adapter.dispatch('json_number', 'moocdb')(json_expr)) }}
{% endmacro %}
{% macro default__json_number(json_expr) -%}
    (case
        when jsonb_typeof({{ json_expr }}) = 'number'
            then cast({{ json_expr }} #>> '{}' as double precision)
        when jsonb_typeof({{ json_expr }}) = 'string'
            and ({{ json_expr }} #>> '{}')
            ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$'
            then cast(trim({{ json_expr }} #>> '{}') as double precision)
    end)
{%- endmacro %}

{#- json_pick(json_expr, keys): a JSON object with only the given keys of
    an object (absent and null members left out); NULL for a non-object. -#}
{% macro json_pick(json_expr, keys) %}
    {{ return(adapter.dispatch('json_pick', 'moocdb')(json_expr, keys)) }}
{% endmacro %}
{% macro default__json_pick(json_expr, keys) -%}
    (case
        when jsonb_typeof({{ json_expr }}) = 'object'
            then jsonb_strip_nulls(jsonb_build_object(
                {%- for key in keys %}
                '{{ key }}', {{ json_expr }} -> '{{ key }}'
                {{- ',' if not loop.last }}
                {%- endfor %}
            ))
    end)
{%- endmacro %}

{#- json_record(json_expr, alias, keys): a set-returning expression giving
    one row whose columns, named as the keys, hold the members of a JSON
    object as JSON (NULL when absent): the object is read once for all its
    members instead of once per member. Anything but an object gives no
    row, so use it as
    `left join lateral {{ json_record('x', 'r', ['a', 'b']) }} on true`. -#}
{% macro json_record(json_expr, alias, keys) %}
    {{ return(adapter.dispatch('json_record', 'moocdb')(json_expr, alias, keys)) }}
{% endmacro %}
{% macro default__json_record(json_expr, alias, keys) -%}
    jsonb_to_record(
        case when jsonb_typeof({{ json_expr }}) = 'object'
            then {{ json_expr }}
        end
    ) as {{ alias }} (
        {%- for key in keys %}
        "{{ key }}" jsonb{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
