_alsate_completion() {
    local IFS=$'
'
    COMPREPLY=( $( env COMP_WORDS="${COMP_WORDS[*]}" \
                   COMP_CWORD=$COMP_CWORD \
                   _ALSATE_COMPLETE=complete_bash $1 ) )
    return 0
}

complete -o default -F _alsate_completion alsate
