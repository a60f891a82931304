{#- Regular expressions and hashing, behind adapter.dispatch. -#}

{#- regex_matches(expr, pattern): true when the POSIX regex matches. -#}
{% macro regex_matches(expr, pattern) %}
    {{ return(adapter.dispatch('regex_matches', 'moocdb')(expr, pattern)) }}
{% endmacro %}
{% macro default__regex_matches(expr, pattern) -%}
    ({{ expr }} ~ '{{ pattern }}')
{%- endmacro %}

{#- regex_extract(expr, pattern): the first capture group (NULL: no match). -#}
{% macro regex_extract(expr, pattern) %}
    {{ return(adapter.dispatch('regex_extract', 'moocdb')(expr, pattern)) }}
{% endmacro %}
{% macro default__regex_extract(expr, pattern) -%}
    substring({{ expr }} from '{{ pattern }}')
{%- endmacro %}

{#- regex_replace(expr, pattern, replacement): replace every match. -#}
{% macro regex_replace(expr, pattern, replacement) %}
    {{ return(adapter.dispatch('regex_replace', 'moocdb')(expr, pattern, replacement)) }}
{% endmacro %}
{% macro default__regex_replace(expr, pattern, replacement) -%}
    regexp_replace({{ expr }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- hash_to_bigint(text_expr): a stable 64-bit id from text (first 16 hex
    digits of its md5). Ids derived this way are the same on every rebuild. -#}
{% macro hash_to_bigint(text_expr) %}
    {{ return(adapter.dispatch('hash_to_bigint', 'moocdb')(text_expr)) }}
{% endmacro %}
{% macro default__hash_to_bigint(text_expr) -%}
    ('x' || substr(md5({{ text_expr }}), 1, 16))::bit(64)::bigint
{%- endmacro %}

{#- hmac_sha256_hex(message, inner_key, outer_key): HMAC-SHA256 as hex, from
    RFC 2104 padded keys (bytea) computed by the loader; needs no extension. -#}
{% macro hmac_sha256_hex(message, inner_key, outer_key) %}
    {{ return(adapter.dispatch('hmac_sha256_hex', 'moocdb')(message, inner_key, outer_key)) }}
{% endmacro %}
{% macro default__hmac_sha256_hex(message, inner_key, outer_key) -%}
    encode(
        sha256(
            {{ outer_key }}
            || sha256({{ inner_key }} || convert_to({{ message }}, 'UTF8'))
        ),
        'hex'
    )
{%- endmacro %}
