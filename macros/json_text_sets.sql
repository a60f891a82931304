{#- JSON set-returning access with text values, behind adapter.dispatch:
    one row per member of a JSON object or array. Used in a lateral join of
    an int_*_parsed model:
    `cross join lateral {{ json_object_text_entries('x') }} as e (k, v)`. -#}

{#- json_object_text_entries(json_expr): a row (key text, value text) per
    member of a JSON object (values as text: strings unquoted, others as JSON);
    no row when the value is not an object (NULL, array, scalar). -#}
{% macro json_object_text_entries(json_expr) %}
    {{ return(adapter.dispatch('json_object_text_entries', 'moocdb')(json_expr)) }}
{% endmacro %}
{% macro default__json_object_text_entries(json_expr) -%}
    jsonb_each_text(
        case
            when jsonb_typeof({{ json_expr }}) = 'object'
                then {{ json_expr }}
            else cast('{}' as jsonb)
        end
    )
{%- endmacro %}

{#- json_array_text_items(json_expr): a row (value text) per element of a
    JSON array (strings unquoted); no row when the value is not an array. -#}
{% macro json_array_text_items(json_expr) %}
    {{ return(adapter.dispatch('json_array_text_items', 'moocdb')(json_expr)) }}
{% endmacro %}
{% macro default__json_array_text_items(json_expr) -%}
    jsonb_array_elements_text(
        case
            when jsonb_typeof({{ json_expr }}) = 'array'
                then {{ json_expr }}
            else cast('[]' as jsonb)
        end
    )
{%- endmacro %}
