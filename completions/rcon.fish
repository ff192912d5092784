# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_rcon_global_optspecs
    string join \n root= runroot= log-level= h/help V/version
end

function __fish_rcon_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_rcon_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_rcon_using_subcommand
    set -l cmd (__fish_rcon_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c rcon -n "__fish_rcon_needs_command" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_needs_command" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_needs_command" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_needs_command" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_needs_command" -s V -l version -d 'Print version'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "build" -d 'Build an image from a Dockerfile'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "pull" -d 'Download an image from a registry'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "run" -d 'Create and run a new container from an image'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "images" -d 'List images'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "ps" -d 'List containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "rm" -d 'Remove one or more containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "rmi" -d 'Remove one or more images'
complete -c rcon -n "__fish_rcon_using_subcommand build" -s t -l tag -d 'Name and optionally a tag (NAME[:TAG]); may be repeated' -r
complete -c rcon -n "__fish_rcon_using_subcommand build" -s f -l file -d 'Name of the Dockerfile (default: CONTEXT/Dockerfile, then CONTEXT/Containerfile; "-" reads stdin)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand build" -l build-arg -d 'Set a build-time variable (KEY=VALUE, or KEY to take it from rcon\'s environment)' -r
complete -c rcon -n "__fish_rcon_using_subcommand build" -l target -d 'Set the target build stage to build' -r
complete -c rcon -n "__fish_rcon_using_subcommand build" -l iidfile -d 'Write the image ID to the file' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand build" -l label -d 'Set metadata for the image (KEY=VALUE); may be repeated' -r
complete -c rcon -n "__fish_rcon_using_subcommand build" -l timestamp -d 'Set every created time to this many seconds since the epoch (default: $SOURCE_DATE_EPOCH)' -r
complete -c rcon -n "__fish_rcon_using_subcommand build" -l network -d 'Networking mode for RUN instructions: default (loopback only for now), none or host' -r -f -a "default\t''
none\t''
host\t''"
complete -c rcon -n "__fish_rcon_using_subcommand build" -l tls-verify -d 'Require HTTPS and verify certificates when base images are pulled' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand build" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand build" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand build" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand build" -l no-cache -d 'Do not use the cache when building the image'
complete -c rcon -n "__fish_rcon_using_subcommand build" -l pull -d 'Always attempt to pull newer versions of the base images'
complete -c rcon -n "__fish_rcon_using_subcommand build" -s q -l quiet -d 'Print only the image ID on success'
complete -c rcon -n "__fish_rcon_using_subcommand build" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l tls-verify -d 'Require HTTPS and verify certificates (false: allow plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pull" -s q -l quiet -d 'Print only the image ID'
complete -c rcon -n "__fish_rcon_using_subcommand pull" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand run" -l name -d 'Assign a name to the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -s e -l env -d 'Set environment variables (KEY=VALUE, or KEY to take it from rcon\'s environment)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l env-file -d 'Read environment variables from a file (one KEY=VALUE per line)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -s u -l user -d 'Username or UID, optionally with a group: USER[:GROUP]' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l entrypoint -d 'Overwrite the default ENTRYPOINT of the image ("" clears it)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -s h -l hostname -d 'Container host name' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l tls-verify -d 'Require HTTPS and verify certificates when the image must be pulled' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand run" -l pull -d 'Pull the image: missing (default), always or never' -r -f -a "missing\t''
always\t''
never\t''"
complete -c rcon -n "__fish_rcon_using_subcommand run" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand run" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand run" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand run" -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand run" -l rm -d 'Automatically remove the container when it exits'
complete -c rcon -n "__fish_rcon_using_subcommand run" -s q -l quiet -d 'Suppress the pull output'
complete -c rcon -n "__fish_rcon_using_subcommand images" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand images" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand images" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand images" -s q -l quiet -d 'Only show image IDs'
complete -c rcon -n "__fish_rcon_using_subcommand images" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand images" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand ps" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand ps" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand ps" -s a -l all -d 'Show all containers (default shows just running)'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -s q -l quiet -d 'Only display container IDs'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand rm" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand rm" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand rm" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand rm" -s f -l force -d 'Force the removal of a running container (uses SIGKILL)'
complete -c rcon -n "__fish_rcon_using_subcommand rm" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand rmi" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand rmi" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand rmi" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand rmi" -s f -l force -d 'Force removal of the image, even if containers use it'
complete -c rcon -n "__fish_rcon_using_subcommand rmi" -s h -l help -d 'Print help'
