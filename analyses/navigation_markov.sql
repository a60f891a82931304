{#-
    Per sequence, panel-to-panel transition counts and probabilities (a
    Markov chain, thesis §3.3.4; from_panel_number NULL = entering the
    sequence), with backward jumps and forward skips flagged. The rows with
    sequence_url '(all sequences)' pool every sequence of the course (panel
    i → panel j wherever it happens): the course report's heat map.
    Probabilities are computed over all transitions out of a panel; a
    transition made by fewer than var min_cell_size learners is suppressed.
-#}
with

transitions as (
    select * from {{ ref('course_team_panel_transitions') }}
),

transitions_with_pooled as (
    select
        course_id,
        sequence_url,
        user_id,
        from_panel_number,
        panel_number,
        is_backward,
        is_forward_skip
    from transitions
    union all
    select
        course_id,
        '(all sequences)' as sequence_url,
        user_id,
        from_panel_number,
        panel_number,
        is_backward,
        is_forward_skip
    from transitions
),

counts as (
    select
        course_id,
        sequence_url,
        from_panel_number,
        panel_number,
        bool_or(is_backward) as is_backward,
        bool_or(is_forward_skip) as is_forward_skip,
        count(*) as transitions,
        count(distinct user_id) as learners
    from transitions_with_pooled
    group by course_id, sequence_url, from_panel_number, panel_number
),

probabilities as (
    select
        *,
        transitions * 1.0 / sum(transitions) over (
            partition by course_id, sequence_url, from_panel_number
        ) as transition_probability
    from counts
)

select * from probabilities
where learners >= {{ var('min_cell_size') }}
