{#-
    Per sequence, panel-to-panel transition counts and probabilities (a
    Markov chain, thesis §3.3.4; from_panel NULL = entering the sequence),
    with backward jumps and forward skips flagged. Transitions made by
    fewer than var min_cell_size learners are suppressed.
-#}
with

transitions as (
    select * from {{ ref('course_team_panel_transitions') }}
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
    from transitions
    group by course_id, sequence_url, from_panel_number, panel_number
),

probabilities as (
    select
        *,
        transitions * 1.0 / sum(transitions) over (
            partition by sequence_url, from_panel_number
        ) as transition_probability
    from counts
)

select * from probabilities
where learners >= {{ var('min_cell_size') }}
