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
complete -c rcon -n "__fish_rcon_needs_command" -f -a "compose" -d 'Define and run multi-container applications (the Compose Specification)'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "images" -d 'List images'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "ps" -d 'List containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "rm" -d 'Remove one or more containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "rmi" -d 'Remove one or more images'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "network" -d 'Manage networks'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "port" -d 'List port mappings of a container'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "login" -d 'Log in to a registry'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "logout" -d 'Log out from a registry'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "push" -d 'Upload an image to a registry'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "tag" -d 'Create a tag TARGET that refers to SOURCE'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "history" -d 'Show the history of an image'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "image" -d 'Manage images'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "save" -d 'Save images to a tar archive (docker-archive or oci-archive)'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "load" -d 'Load images from a tar archive'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "import" -d 'Create an image from a root filesystem tarball'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "export" -d 'Export a container\'s filesystem as a tar archive'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "commit" -d 'Create a new image from a container\'s changes'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "create" -d 'Create a new container without starting it'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "start" -d 'Start one or more stopped containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "stop" -d 'Stop one or more running containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "restart" -d 'Restart one or more containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "kill" -d 'Kill one or more running containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "wait" -d 'Block until one or more containers stop, then print their exit codes'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "logs" -d 'Fetch the logs of a container'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "exec" -d 'Execute a command in a running container'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "inspect" -d 'Return low-level information on containers and images as JSON'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "top" -d 'Display the running processes of a container'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "stats" -d 'Display a snapshot of containers\' resource usage'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "pause" -d 'Pause all processes within one or more containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "unpause" -d 'Unpause all processes within one or more containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "attach" -d 'Attach to a running container\'s output'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "container" -d 'Manage containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "volume" -d 'Manage volumes'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "events" -d 'Get real time events from the engine'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "info" -d 'Display system-wide information'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "rename" -d 'Rename a container'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "search" -d 'Search registries for images'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "system" -d 'Manage the engine (info, events, df, prune)'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "update" -d 'Update the resource limits and restart policy of containers'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "version" -d 'Show the rcon version information'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "diff" -d 'Inspect changes to files or directories on a container\'s filesystem'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "kube" -d 'Play and generate Kubernetes YAML'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "pod" -d 'Manage pods (containers sharing network, IPC and UTS namespaces)'
complete -c rcon -n "__fish_rcon_needs_command" -f -a "oci" -d 'OCI runtime command line (create, start, state, kill, delete on a bundle)'
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
complete -c rcon -n "__fish_rcon_using_subcommand build" -l secret -d 'Secret for RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VARIABLE; may be repeated' -r
complete -c rcon -n "__fish_rcon_using_subcommand build" -l ssh -d 'SSH agent socket for RUN --mount=type=ssh: default or ID[=SOCKET] (default $SSH_AUTH_SOCK); may be repeated' -r
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
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l platform -d 'Platform OS/ARCH[/VARIANT] to choose from a multi-platform image' -r
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l stall-timeout -d 'Time without data (response headers or the next bytes of a layer) after which the connection counts as stalled and the download resumes (e.g. 10s, 1m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l tls-verify -d 'Require HTTPS and verify certificates (false: allow plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l creds -d 'Credentials USER[:PASSWORD] for the registry (instead of stored logins)' -r
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l authfile -d 'Auth file to read credentials from (also REGISTRY_AUTH_FILE)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l retry -d 'Retries of a failed request or a broken download' -r
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l retry-delay -d 'Delay between retries (e.g. 500ms, 2s; default: exponential from 1s)' -r
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l max-concurrent-downloads -d 'Layers transferred at once' -r
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pull" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pull" -s q -l quiet -d 'Suppress verbose output: print only the image reference'
complete -c rcon -n "__fish_rcon_using_subcommand pull" -s a -l all-tags -d 'Pull every tagged image of the repository'
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
complete -c rcon -n "__fish_rcon_using_subcommand run" -l restart -d 'Restart policy: no, on-failure[:MAX-RETRIES], always, unless-stopped' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l log-opt -d 'Log driver options: max-size=SIZE, max-file=N' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l health-cmd -d 'Command to run to check health' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l health-interval -d 'Time between running the check (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l health-timeout -d 'Maximum time to allow one check to run (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l health-retries -d 'Consecutive failures needed to report unhealthy' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l health-start-period -d 'Start period for the container to initialize before counting retries (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l health-on-failure -d 'Action when the container turns unhealthy: none, kill, restart, stop' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l stop-timeout -d 'Seconds to wait for the stop signal to end the container before SIGKILL' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -s l -l label -d 'Set metadata on the container (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l pod -d 'Run the container in this pod (name or ID): it shares the pod\'s network, IPC and UTS namespaces' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l network -l net -d 'Connect the container to a network: bridge (default), none, host, NAME or container:NAME|ID' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l network-alias -l net-alias -d 'Add a network-scoped alias for the container (user networks)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -s p -l publish -d 'Publish a container\'s port(s) to the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l expose -d 'Expose a port or a range of ports (published by -P)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l ip -d 'IPv4 address on the network (e.g. 10.99.1.10)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l add-host -d 'Add a custom host-to-IP mapping (NAME:IP)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l dns -d 'Set custom DNS servers' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l dns-search -d 'Set custom DNS search domains' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l dns-option -l dns-opt -d 'Set DNS options' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l sig-proxy -d 'Proxy received signals to the container (foreground runs)' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand run" -l stop-signal -d 'Signal to stop the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l cap-add -d 'Add Linux capabilities (or ALL)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l cap-drop -d 'Drop Linux capabilities (or ALL)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l security-opt -d 'Security options: seccomp=unconfined|PROFILE.json, no-new-privileges' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l tmpfs -d 'Mount a tmpfs directory: PATH[:OPTIONS]' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -s m -l memory -d 'Memory limit (e.g. 512m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l memory-swap -d 'Memory plus swap limit; -1 for unlimited swap' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l memory-reservation -d 'Memory soft limit' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l cpus -d 'Number of CPUs (e.g. 1.5)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l pids-limit -d 'Tune container pids limit (-1 for unlimited)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l ulimit -d 'Ulimit options: NAME=SOFT[:HARD]' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l group-add -d 'Add additional groups to join' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l domainname -d 'Container NIS domain name' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l sysctl -d 'Namespaced kernel parameters: KEY=VALUE' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l pid -d 'PID namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l ipc -d 'IPC namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l uts -d 'UTS namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l shm-size -d 'Size of /dev/shm (default 64m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l device -d 'Add a host device: HOST[:CONTAINER[:PERMS]]' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l userns -d 'User namespace to use: host, auto[:size=N], keep-id, nomap' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l uidmap -d 'Map container ids to host ids in a user namespace: CONTAINER:HOST:SIZE' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l gidmap -d 'Map container gids to host gids: CONTAINER:HOST:SIZE (default: as --uidmap)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l subuidname -d 'Map the container\'s uids to the ranges of NAME in /etc/subuid' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l subgidname -d 'Map the container\'s gids to the ranges of NAME in /etc/subgid' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -s v -l volume -d 'Bind mount a host path or mount a volume: [SOURCE:]DEST[:OPTIONS] (ro, rw, z, Z, propagation, nocopy)' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l mount -d 'Attach a filesystem mount: type=bind|volume|tmpfs,source=…,target=…[,readonly][,…]' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l volumes-from -d 'Mount the volumes of another container: CONTAINER[:ro|rw]' -r
complete -c rcon -n "__fish_rcon_using_subcommand run" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand run" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand run" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand run" -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand run" -l rm -d 'Automatically remove the container when it exits'
complete -c rcon -n "__fish_rcon_using_subcommand run" -s q -l quiet -d 'Suppress the pull output'
complete -c rcon -n "__fish_rcon_using_subcommand run" -s d -l detach -d 'Run the container in the background and print its ID'
complete -c rcon -n "__fish_rcon_using_subcommand run" -l no-healthcheck -d 'Disable any container-specified HEALTHCHECK'
complete -c rcon -n "__fish_rcon_using_subcommand run" -s P -l publish-all -d 'Publish all exposed ports to free host ports'
complete -c rcon -n "__fish_rcon_using_subcommand run" -s i -l interactive -d 'Keep STDIN open'
complete -c rcon -n "__fish_rcon_using_subcommand run" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c rcon -n "__fish_rcon_using_subcommand run" -l init -d 'Run an init inside the container that forwards signals and reaps processes'
complete -c rcon -n "__fish_rcon_using_subcommand run" -l privileged -d 'Give extended privileges to this container'
complete -c rcon -n "__fish_rcon_using_subcommand run" -l read-only -d 'Mount the container\'s root filesystem as read only'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -s f -l file -d 'Compose configuration files' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -s p -l project-name -d 'Project name' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -l profile -d 'Specify a profile to enable' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -l env-file -d 'Specify an alternate environment file' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -l project-directory -d 'Specify an alternate working directory (default: the first file\'s directory)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "up" -d 'Create and start containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "down" -d 'Stop and remove containers, networks'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "ps" -d 'List containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "logs" -d 'View output from containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "build" -d 'Build or rebuild services'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "pull" -d 'Pull service images'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "push" -d 'Push service images'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "config" -d 'Parse, resolve and render compose file in canonical format'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "exec" -d 'Execute a command in a running container'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "run" -d 'Run a one-off command on a service'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "create" -d 'Creates containers for a service'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "start" -d 'Start services'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "stop" -d 'Stop services'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "restart" -d 'Restart service containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "kill" -d 'Force stop service containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "rm" -d 'Removes stopped service containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "pause" -d 'Pause services'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "unpause" -d 'Unpause services'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "port" -d 'Print the public port for a port binding'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "top" -d 'Display the running processes'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "images" -d 'List images used by the created containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "ls" -d 'List running compose projects'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and not __fish_seen_subcommand_from up down ps logs build pull push config exec run create start stop restart kill rm pause unpause port top images ls version" -f -a "version" -d 'Show the compose version information'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l pull -d 'Pull image before running ("always"|"missing"|"never")' -r -f -a "always\t''
missing\t''
never\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l wait-timeout -d 'Maximum duration in seconds to wait for the project to be running|healthy' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l scale -d 'Scale SERVICE to NUM instances (overrides `scale` in the file)' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l exit-code-from -d 'Return the exit code of the selected service container (implies --abort-on-container-exit)' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -s t -l timeout -d 'Use this timeout in seconds for container shutdown' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -s d -l detach -d 'Detached mode: run containers in the background'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l build -d 'Build images before starting containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-build -d 'Don\'t build an image, even if it\'s policy'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l force-recreate -d 'Recreate containers even if their configuration and image haven\'t changed'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-recreate -d 'If containers already exist, don\'t recreate them'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-deps -d 'Don\'t start linked services'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l remove-orphans -d 'Remove containers for services not defined in the Compose file'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l wait -d 'Wait for services to be running|healthy (implies detached mode)'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l abort-on-container-exit -d 'Stops all containers if any container was stopped'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-color -d 'Produce monochrome output'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-log-prefix -d 'Don\'t print prefix in logs'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l no-start -d 'Don\'t start the services after creating them'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -l quiet-pull -d 'Pull without printing progress information'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from up" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from down" -l rmi -d 'Remove images used by services: "local" (no custom tag) or "all"' -r -f -a "local\t''
all\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from down" -s t -l timeout -d 'Specify a shutdown timeout in seconds' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from down" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from down" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from down" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from down" -s v -l volumes -d 'Remove named volumes declared in the "volumes" section and anonymous volumes'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from down" -l remove-orphans -d 'Remove containers for services not defined in the Compose file'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from down" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ps" -l format -d 'Format the output: table or json' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ps" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ps" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ps" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ps" -s a -l all -d 'Show all stopped containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ps" -s q -l quiet -d 'Only display IDs'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ps" -l services -d 'Display services'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ps" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from logs" -s n -l tail -d 'Number of lines to show from the end of the logs for each container' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from logs" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from logs" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from logs" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Follow log output'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Show timestamps'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from logs" -l no-color -d 'Produce monochrome output'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from logs" -l no-log-prefix -d 'Don\'t print prefix in logs'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from build" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from build" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from build" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from build" -l no-cache -d 'Do not use cache when building the image'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from build" -s q -l quiet -d 'Don\'t print anything to STDOUT'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from pull" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from pull" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from pull" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from push" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from push" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from push" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from push" -l ignore-push-failures -d 'Push what it can and ignores images with push failures'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from push" -s q -l quiet -d 'Push without printing progress information'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from config" -l format -d 'Format the output: yaml or json' -r -f -a "yaml\t''
json\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from config" -s o -l output -d 'Save to file (default: stdout)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from config" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from config" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from config" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from config" -l services -d 'Print the service names, one per line'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from config" -l volumes -d 'Print the volume names, one per line'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from config" -l profiles -d 'Print the profile names, one per line'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from config" -s q -l quiet -d 'Only validate the configuration, don\'t print anything'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from config" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from exec" -s e -l env -d 'Set environment variables' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from exec" -l index -d 'Index of the container if service has multiple replicas' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from exec" -s u -l user -d 'Run the command as this user' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from exec" -s w -l workdir -d 'Path to workdir directory for this command' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from exec" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from exec" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from exec" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from exec" -s d -l detach -d 'Detached mode: run command in the background'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from exec" -s T -l no-TTY -d 'Disable pseudo-TTY allocation (default: a TTY when stdin is one)'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from exec" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -s e -l env -d 'Set environment variables' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -l name -d 'Assign a name to the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -l entrypoint -d 'Override the entrypoint of the image' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -s u -l user -d 'Run as specified username or uid' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run container in background and print container ID'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -l rm -d 'Automatically remove the container when it exits'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -l service-ports -d 'Run command with all service\'s ports enabled and mapped to the host'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -l no-deps -d 'Don\'t start linked services'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -s T -l no-TTY -d 'Disable pseudo-TTY allocation'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -l build -d 'Build image before starting container'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from run" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -l pull -d 'Pull image before running ("always"|"missing"|"never")' -r -f -a "always\t''
missing\t''
never\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -l scale -d 'Scale SERVICE to NUM instances' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -l build -d 'Build images before starting containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -l no-build -d 'Don\'t build an image, even if it\'s policy'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -l force-recreate -d 'Recreate containers even if their configuration and image haven\'t changed'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -l no-recreate -d 'If containers already exist, don\'t recreate them'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -l remove-orphans -d 'Remove containers for services not defined in the Compose file'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from start" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from start" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from start" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from stop" -s t -l timeout -d 'Specify a shutdown timeout in seconds' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from stop" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from stop" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from stop" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from restart" -s t -l timeout -d 'Specify a shutdown timeout in seconds' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from restart" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from restart" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from restart" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from kill" -s s -l signal -d 'SIGNAL to send to the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from kill" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from kill" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from kill" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from rm" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from rm" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from rm" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from rm" -s f -l force -d 'Don\'t ask to confirm removal'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from rm" -s s -l stop -d 'Stop the containers, if required, before removing'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from rm" -s v -l volumes -d 'Remove any anonymous volumes attached to containers'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from pause" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from pause" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from pause" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from unpause" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from unpause" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from unpause" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from unpause" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from port" -l index -d 'Index of the container if service has multiple replicas' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from port" -l protocol -d 'tcp or udp' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from port" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from port" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from port" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from top" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from top" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from top" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from top" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from images" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from images" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from images" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from images" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ls" -l format -d 'Format the output: table or json' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ls" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ls" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ls" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all stopped Compose projects'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only display project names'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from version" -s f -l format -d 'Format the output: pretty or json' -r
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from version" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from version" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from version" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from version" -l short -d 'Shows only the version number'
complete -c rcon -n "__fish_rcon_using_subcommand compose; and __fish_seen_subcommand_from version" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand images" -s f -l filter -d 'Filter: dangling=true|false, reference=PATTERN, label=KEY[=VALUE], before=IMAGE, since=IMAGE' -r
complete -c rcon -n "__fish_rcon_using_subcommand images" -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand images" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand images" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand images" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand images" -s a -l all -d 'Show all images (rcon keeps no hidden intermediate images: the same as without)'
complete -c rcon -n "__fish_rcon_using_subcommand images" -l digests -d 'Show digests'
complete -c rcon -n "__fish_rcon_using_subcommand images" -s q -l quiet -d 'Only show image IDs'
complete -c rcon -n "__fish_rcon_using_subcommand images" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand images" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -s n -l last -d 'Show the N last created containers (all states)' -r
complete -c rcon -n "__fish_rcon_using_subcommand ps" -s f -l filter -d 'Filter: id, name, label, status, ancestor, exited, health (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand ps" -l format -d 'Format the output using a Go template, "table TEMPLATE" or "json"' -r
complete -c rcon -n "__fish_rcon_using_subcommand ps" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand ps" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand ps" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand ps" -s a -l all -d 'Show all containers (default shows just running)'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -s q -l quiet -d 'Only display container IDs'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -s l -l latest -d 'Show the latest created container (all states)'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -s s -l size -d 'Display total file sizes'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -l pod -d 'Show the ID and name of the pod of each container'
complete -c rcon -n "__fish_rcon_using_subcommand ps" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand rm" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand rm" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand rm" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand rm" -s f -l force -d 'Force the removal of a running container (uses SIGKILL)'
complete -c rcon -n "__fish_rcon_using_subcommand rm" -s v -l volumes -d 'Remove anonymous volumes associated with the container'
complete -c rcon -n "__fish_rcon_using_subcommand rm" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand rmi" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand rmi" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand rmi" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand rmi" -s f -l force -d 'Force removal of the image, even if containers use it'
complete -c rcon -n "__fish_rcon_using_subcommand rmi" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -f -a "create" -d 'Create a network'
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -f -a "ls" -d 'List networks'
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -f -a "list" -d 'List networks'
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -f -a "rm" -d 'Remove one or more networks'
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -f -a "remove" -d 'Remove one or more networks'
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -f -a "inspect" -d 'Display detailed information on one or more networks'
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -f -a "connect" -d 'Connect a container to a network'
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -f -a "disconnect" -d 'Disconnect a container from a network'
complete -c rcon -n "__fish_rcon_using_subcommand network; and not __fish_seen_subcommand_from create ls list rm remove inspect connect disconnect prune" -f -a "prune" -d 'Remove all networks no container uses'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from create" -l subnet -d 'Subnet in CIDR format (default: the first free 10.99.N.0/24)' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from create" -l gateway -d 'IPv4 gateway (default: the subnet\'s first address)' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from create" -s d -l driver -d 'Driver (only "bridge")' -r -f -a "bridge\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from create" -l label -d 'Set metadata on the network (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from create" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from create" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from create" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: driver=, id=, label=, name=, scope=, type=custom|builtin, dangling=BOOL' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from ls" -l format -d 'Pretty-print networks using a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from ls" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from ls" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from ls" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only display network IDs'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate the output'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter: driver=, id=, label=, name=, scope=, type=custom|builtin, dangling=BOOL' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from list" -l format -d 'Pretty-print networks using a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from list" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from list" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from list" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only display network IDs'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate the output'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from rm" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from rm" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from rm" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from remove" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from remove" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from remove" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format the output using a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from inspect" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from inspect" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from inspect" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from connect" -l alias -d 'Network-scoped alias for the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from connect" -l ip -d 'IPv4 address' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from connect" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from connect" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from connect" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from connect" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from disconnect" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from disconnect" -s f -l force -d 'Force the container to disconnect'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from disconnect" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from prune" -l filter -d 'Provide filter values (until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE])' -r
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from prune" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from prune" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from prune" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c rcon -n "__fish_rcon_using_subcommand network; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand port" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand port" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand port" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand port" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand login" -s u -l username -d 'User name' -r
complete -c rcon -n "__fish_rcon_using_subcommand login" -s p -l password -d 'Password (prefer --password-stdin: command lines are visible to other users)' -r
complete -c rcon -n "__fish_rcon_using_subcommand login" -l authfile -d 'Auth file to write (default: $XDG_RUNTIME_DIR/containers/auth.json; also REGISTRY_AUTH_FILE)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand login" -l tls-verify -d 'Require HTTPS and verify certificates' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand login" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand login" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand login" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand login" -l password-stdin -d 'Read the password from standard input'
complete -c rcon -n "__fish_rcon_using_subcommand login" -l get-login -d 'Print the user name stored for the registry and exit'
complete -c rcon -n "__fish_rcon_using_subcommand login" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand logout" -l authfile -d 'Auth file (default: $XDG_RUNTIME_DIR/containers/auth.json; also REGISTRY_AUTH_FILE)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand logout" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand logout" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand logout" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand logout" -s a -l all -d 'Remove the credentials of every registry'
complete -c rcon -n "__fish_rcon_using_subcommand logout" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand push" -s f -l format -d 'Manifest type: oci or docker (default: the image\'s own)' -r
complete -c rcon -n "__fish_rcon_using_subcommand push" -l digestfile -d 'Write the pushed manifest\'s digest to this file' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand push" -l tls-verify -d 'Require HTTPS and verify certificates (false: allow plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand push" -l creds -d 'Credentials USER[:PASSWORD] for the registry (instead of stored logins)' -r
complete -c rcon -n "__fish_rcon_using_subcommand push" -l authfile -d 'Auth file to read credentials from (also REGISTRY_AUTH_FILE)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand push" -l retry -d 'Retries of a failed request or a broken download' -r
complete -c rcon -n "__fish_rcon_using_subcommand push" -l retry-delay -d 'Delay between retries (e.g. 500ms, 2s; default: exponential from 1s)' -r
complete -c rcon -n "__fish_rcon_using_subcommand push" -l max-concurrent-downloads -d 'Layers transferred at once' -r
complete -c rcon -n "__fish_rcon_using_subcommand push" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand push" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand push" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand push" -s q -l quiet -d 'Print nothing but errors'
complete -c rcon -n "__fish_rcon_using_subcommand push" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand tag" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand tag" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand tag" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand tag" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand history" -s H -l human -d 'Print sizes and dates in human readable format' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand history" -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand history" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand history" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand history" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand history" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand history" -s q -l quiet -d 'Only show image IDs'
complete -c rcon -n "__fish_rcon_using_subcommand history" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "build" -d 'Build an image from a Dockerfile'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "import" -d 'Create an image from a root filesystem tarball'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "load" -d 'Load images from a tar archive'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "save" -d 'Save images to a tar archive (docker-archive or oci-archive)'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "inspect" -d 'Display detailed information on one or more images'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "prune" -d 'Remove unused images'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "history" -d 'Show the history of an image'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "tag" -d 'Create a tag TARGET that refers to SOURCE'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "ls" -d 'List images'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "list" -d 'List images'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "rm" -d 'Remove one or more images'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "remove" -d 'Remove one or more images'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "rmi" -d 'Remove one or more images'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "pull" -d 'Download an image from a registry'
complete -c rcon -n "__fish_rcon_using_subcommand image; and not __fish_seen_subcommand_from build import load save inspect prune history tag ls list rm remove rmi pull push" -f -a "push" -d 'Upload an image to a registry'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -s t -l tag -d 'Name and optionally a tag (NAME[:TAG]); may be repeated' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -s f -l file -d 'Name of the Dockerfile (default: CONTEXT/Dockerfile, then CONTEXT/Containerfile; "-" reads stdin)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l build-arg -d 'Set a build-time variable (KEY=VALUE, or KEY to take it from rcon\'s environment)' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l target -d 'Set the target build stage to build' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l iidfile -d 'Write the image ID to the file' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l label -d 'Set metadata for the image (KEY=VALUE); may be repeated' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l timestamp -d 'Set every created time to this many seconds since the epoch (default: $SOURCE_DATE_EPOCH)' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l network -d 'Networking mode for RUN instructions: default (loopback only for now), none or host' -r -f -a "default\t''
none\t''
host\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l secret -d 'Secret for RUN --mount=type=secret: id=ID,src=FILE or id=ID,env=VARIABLE; may be repeated' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l ssh -d 'SSH agent socket for RUN --mount=type=ssh: default or ID[=SOCKET] (default $SSH_AUTH_SOCK); may be repeated' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l tls-verify -d 'Require HTTPS and verify certificates when base images are pulled' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l no-cache -d 'Do not use the cache when building the image'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -l pull -d 'Always attempt to pull newer versions of the base images'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -s q -l quiet -d 'Print only the image ID on success'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from build" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from import" -s c -l change -d 'Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from import" -s m -l message -d 'Commit message for the imported image' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from import" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from import" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from import" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from load" -s i -l input -d 'Read from this file instead of standard input' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from load" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from load" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from load" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from load" -s q -l quiet -d 'Print only the image IDs'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from load" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from save" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from save" -l format -d 'Archive format: docker-archive or oci-archive' -r -f -a "docker-archive\t''
oci-archive\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from save" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from save" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from save" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from save" -l gzip -d 'Compress the archive with gzip'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from save" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from inspect" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from inspect" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from inspect" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from prune" -l filter -d 'Provide filter values (until=TIME, label=KEY[=VALUE], label!=…, dangling=BOOL)' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from prune" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from prune" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from prune" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all images not used by a container, not just dangling ones'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from history" -s H -l human -d 'Print sizes and dates in human readable format' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from history" -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from history" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from history" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from history" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from history" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from history" -s q -l quiet -d 'Only show image IDs'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from history" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from tag" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from tag" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from tag" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from tag" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: dangling=true|false, reference=PATTERN, label=KEY[=VALUE], before=IMAGE, since=IMAGE' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from ls" -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from ls" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from ls" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from ls" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all images (rcon keeps no hidden intermediate images: the same as without)'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from ls" -l digests -d 'Show digests'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only show image IDs'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter: dangling=true|false, reference=PATTERN, label=KEY[=VALUE], before=IMAGE, since=IMAGE' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from list" -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from list" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from list" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from list" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from list" -s a -l all -d 'Show all images (rcon keeps no hidden intermediate images: the same as without)'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from list" -l digests -d 'Show digests'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only show image IDs'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from list" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from rm" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from rm" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from rm" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from rm" -s f -l force -d 'Force removal of the image, even if containers use it'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from remove" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from remove" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from remove" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from remove" -s f -l force -d 'Force removal of the image, even if containers use it'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from rmi" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from rmi" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from rmi" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from rmi" -s f -l force -d 'Force removal of the image, even if containers use it'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from rmi" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l platform -d 'Platform OS/ARCH[/VARIANT] to choose from a multi-platform image' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l stall-timeout -d 'Time without data (response headers or the next bytes of a layer) after which the connection counts as stalled and the download resumes (e.g. 10s, 1m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l tls-verify -d 'Require HTTPS and verify certificates (false: allow plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l creds -d 'Credentials USER[:PASSWORD] for the registry (instead of stored logins)' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l authfile -d 'Auth file to read credentials from (also REGISTRY_AUTH_FILE)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l retry -d 'Retries of a failed request or a broken download' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l retry-delay -d 'Delay between retries (e.g. 500ms, 2s; default: exponential from 1s)' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l max-concurrent-downloads -d 'Layers transferred at once' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -s q -l quiet -d 'Suppress verbose output: print only the image reference'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -s a -l all-tags -d 'Pull every tagged image of the repository'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from pull" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -s f -l format -d 'Manifest type: oci or docker (default: the image\'s own)' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -l digestfile -d 'Write the pushed manifest\'s digest to this file' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -l tls-verify -d 'Require HTTPS and verify certificates (false: allow plain HTTP and any certificate)' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -l creds -d 'Credentials USER[:PASSWORD] for the registry (instead of stored logins)' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -l authfile -d 'Auth file to read credentials from (also REGISTRY_AUTH_FILE)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -l retry -d 'Retries of a failed request or a broken download' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -l retry-delay -d 'Delay between retries (e.g. 500ms, 2s; default: exponential from 1s)' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -l max-concurrent-downloads -d 'Layers transferred at once' -r
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -s q -l quiet -d 'Print nothing but errors'
complete -c rcon -n "__fish_rcon_using_subcommand image; and __fish_seen_subcommand_from push" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand save" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand save" -l format -d 'Archive format: docker-archive or oci-archive' -r -f -a "docker-archive\t''
oci-archive\t''"
complete -c rcon -n "__fish_rcon_using_subcommand save" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand save" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand save" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand save" -l gzip -d 'Compress the archive with gzip'
complete -c rcon -n "__fish_rcon_using_subcommand save" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand load" -s i -l input -d 'Read from this file instead of standard input' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand load" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand load" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand load" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand load" -s q -l quiet -d 'Print only the image IDs'
complete -c rcon -n "__fish_rcon_using_subcommand load" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand import" -s c -l change -d 'Apply a Dockerfile instruction to the image config (CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)' -r
complete -c rcon -n "__fish_rcon_using_subcommand import" -s m -l message -d 'Commit message for the imported image' -r
complete -c rcon -n "__fish_rcon_using_subcommand import" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand import" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand import" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand import" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand export" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand export" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand export" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand export" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand export" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand commit" -s a -l author -d 'Author (e.g. "John Hannibal Smith <hannibal@a-team.com>")' -r
complete -c rcon -n "__fish_rcon_using_subcommand commit" -s c -l change -d 'Apply a Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)' -r
complete -c rcon -n "__fish_rcon_using_subcommand commit" -s m -l message -d 'Commit message' -r
complete -c rcon -n "__fish_rcon_using_subcommand commit" -s p -l pause -d 'Pause the container during commit' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand commit" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand commit" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand commit" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand commit" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand create" -l name -d 'Assign a name to the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -s e -l env -d 'Set environment variables (KEY=VALUE, or KEY to take it from rcon\'s environment)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l env-file -d 'Read environment variables from a file (one KEY=VALUE per line)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand create" -s w -l workdir -d 'Working directory inside the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -s u -l user -d 'Username or UID, optionally with a group: USER[:GROUP]' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l entrypoint -d 'Overwrite the default ENTRYPOINT of the image ("" clears it)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -s h -l hostname -d 'Container host name' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l tls-verify -d 'Require HTTPS and verify certificates when the image must be pulled' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand create" -l pull -d 'Pull the image: missing (default), always or never' -r -f -a "missing\t''
always\t''
never\t''"
complete -c rcon -n "__fish_rcon_using_subcommand create" -l restart -d 'Restart policy: no, on-failure[:MAX-RETRIES], always, unless-stopped' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l log-opt -d 'Log driver options: max-size=SIZE, max-file=N' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l health-cmd -d 'Command to run to check health' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l health-interval -d 'Time between running the check (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l health-timeout -d 'Maximum time to allow one check to run (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l health-retries -d 'Consecutive failures needed to report unhealthy' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l health-start-period -d 'Start period for the container to initialize before counting retries (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l health-on-failure -d 'Action when the container turns unhealthy: none, kill, restart, stop' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l stop-timeout -d 'Seconds to wait for the stop signal to end the container before SIGKILL' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -s l -l label -d 'Set metadata on the container (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l pod -d 'Run the container in this pod (name or ID): it shares the pod\'s network, IPC and UTS namespaces' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l network -l net -d 'Connect the container to a network: bridge (default), none, host, NAME or container:NAME|ID' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l network-alias -l net-alias -d 'Add a network-scoped alias for the container (user networks)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -s p -l publish -d 'Publish a container\'s port(s) to the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l expose -d 'Expose a port or a range of ports (published by -P)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l ip -d 'IPv4 address on the network (e.g. 10.99.1.10)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l add-host -d 'Add a custom host-to-IP mapping (NAME:IP)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l dns -d 'Set custom DNS servers' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l dns-search -d 'Set custom DNS search domains' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l dns-option -l dns-opt -d 'Set DNS options' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l sig-proxy -d 'Proxy received signals to the container (foreground runs)' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand create" -l stop-signal -d 'Signal to stop the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l cap-add -d 'Add Linux capabilities (or ALL)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l cap-drop -d 'Drop Linux capabilities (or ALL)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l security-opt -d 'Security options: seccomp=unconfined|PROFILE.json, no-new-privileges' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l tmpfs -d 'Mount a tmpfs directory: PATH[:OPTIONS]' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -s m -l memory -d 'Memory limit (e.g. 512m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l memory-swap -d 'Memory plus swap limit; -1 for unlimited swap' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l memory-reservation -d 'Memory soft limit' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l cpus -d 'Number of CPUs (e.g. 1.5)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l pids-limit -d 'Tune container pids limit (-1 for unlimited)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l ulimit -d 'Ulimit options: NAME=SOFT[:HARD]' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l group-add -d 'Add additional groups to join' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l domainname -d 'Container NIS domain name' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l sysctl -d 'Namespaced kernel parameters: KEY=VALUE' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l pid -d 'PID namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l ipc -d 'IPC namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l uts -d 'UTS namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l shm-size -d 'Size of /dev/shm (default 64m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l device -d 'Add a host device: HOST[:CONTAINER[:PERMS]]' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l userns -d 'User namespace to use: host, auto[:size=N], keep-id, nomap' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l uidmap -d 'Map container ids to host ids in a user namespace: CONTAINER:HOST:SIZE' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l gidmap -d 'Map container gids to host gids: CONTAINER:HOST:SIZE (default: as --uidmap)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l subuidname -d 'Map the container\'s uids to the ranges of NAME in /etc/subuid' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l subgidname -d 'Map the container\'s gids to the ranges of NAME in /etc/subgid' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -s v -l volume -d 'Bind mount a host path or mount a volume: [SOURCE:]DEST[:OPTIONS] (ro, rw, z, Z, propagation, nocopy)' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l mount -d 'Attach a filesystem mount: type=bind|volume|tmpfs,source=…,target=…[,readonly][,…]' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l volumes-from -d 'Mount the volumes of another container: CONTAINER[:ro|rw]' -r
complete -c rcon -n "__fish_rcon_using_subcommand create" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand create" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand create" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand create" -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand create" -l rm -d 'Automatically remove the container when it exits'
complete -c rcon -n "__fish_rcon_using_subcommand create" -s q -l quiet -d 'Suppress the pull output'
complete -c rcon -n "__fish_rcon_using_subcommand create" -l no-healthcheck -d 'Disable any container-specified HEALTHCHECK'
complete -c rcon -n "__fish_rcon_using_subcommand create" -s P -l publish-all -d 'Publish all exposed ports to free host ports'
complete -c rcon -n "__fish_rcon_using_subcommand create" -s i -l interactive -d 'Keep STDIN open'
complete -c rcon -n "__fish_rcon_using_subcommand create" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c rcon -n "__fish_rcon_using_subcommand create" -l init -d 'Run an init inside the container that forwards signals and reaps processes'
complete -c rcon -n "__fish_rcon_using_subcommand create" -l privileged -d 'Give extended privileges to this container'
complete -c rcon -n "__fish_rcon_using_subcommand create" -l read-only -d 'Mount the container\'s root filesystem as read only'
complete -c rcon -n "__fish_rcon_using_subcommand create" -s d -l detach -d 'Run the container in the background and print its ID'
complete -c rcon -n "__fish_rcon_using_subcommand start" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand start" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand start" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand start" -s a -l attach -d 'Attach stdout/stderr and wait for the container to exit; exit with its code'
complete -c rcon -n "__fish_rcon_using_subcommand start" -s i -l interactive -d 'Attach stdin (for containers created with -i)'
complete -c rcon -n "__fish_rcon_using_subcommand start" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand stop" -s t -l time -l timeout -d 'Seconds to wait before killing the container (default: its --stop-timeout, else 10)' -r
complete -c rcon -n "__fish_rcon_using_subcommand stop" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand stop" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand stop" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand stop" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand restart" -s t -l time -l timeout -d 'Seconds to wait before killing the container (default: its --stop-timeout, else 10)' -r
complete -c rcon -n "__fish_rcon_using_subcommand restart" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand restart" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand restart" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand restart" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand kill" -s s -l signal -d 'Signal to send, by name or number' -r
complete -c rcon -n "__fish_rcon_using_subcommand kill" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand kill" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand kill" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand kill" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand wait" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand wait" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand wait" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand wait" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand logs" -s n -l tail -d 'Number of lines to show from the end of the logs ("all" for every line)' -r
complete -c rcon -n "__fish_rcon_using_subcommand logs" -l since -d 'Show logs since a timestamp (2026-11-21T10:00:00Z) or relative time (42m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand logs" -l until -d 'Show logs before a timestamp (2026-11-21T10:00:00Z) or relative time (42m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand logs" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand logs" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand logs" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand logs" -s f -l follow -d 'Follow log output until the container exits'
complete -c rcon -n "__fish_rcon_using_subcommand logs" -s t -l timestamps -d 'Show timestamps'
complete -c rcon -n "__fish_rcon_using_subcommand logs" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand exec" -s e -l env -d 'Set environment variables (KEY=VALUE, or KEY to take it from rcon\'s environment)' -r
complete -c rcon -n "__fish_rcon_using_subcommand exec" -s u -l user -d 'Username or UID, optionally with a group: USER[:GROUP]' -r
complete -c rcon -n "__fish_rcon_using_subcommand exec" -s w -l workdir -d 'Working directory inside the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand exec" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand exec" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand exec" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand exec" -s d -l detach -d 'Detached mode: run the command in the background'
complete -c rcon -n "__fish_rcon_using_subcommand exec" -s i -l interactive -d 'Keep STDIN open'
complete -c rcon -n "__fish_rcon_using_subcommand exec" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c rcon -n "__fish_rcon_using_subcommand exec" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand inspect" -s f -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand inspect" -l type -d 'Only look for this type of object: container or image' -r -f -a "container\t''
image\t''"
complete -c rcon -n "__fish_rcon_using_subcommand inspect" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand inspect" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand inspect" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand inspect" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand top" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand top" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand top" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand top" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand stats" -l format -d 'Pretty-print stats using a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand stats" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand stats" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand stats" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand stats" -s a -l all -d 'Show all containers (default shows just running)'
complete -c rcon -n "__fish_rcon_using_subcommand stats" -l no-stream -d 'Disable streaming stats and only pull the first result'
complete -c rcon -n "__fish_rcon_using_subcommand stats" -l no-trunc -d 'Do not truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand stats" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pause" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pause" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pause" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pause" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand unpause" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand unpause" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand unpause" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand unpause" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand attach" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand attach" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand attach" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand attach" -l no-stdin -d 'Do not attach STDIN'
complete -c rcon -n "__fish_rcon_using_subcommand attach" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "attach" -d 'Attach to a running container\'s output'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "cp" -d 'Copy files/folders between a container and the local filesystem'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "create" -d 'Create a new container without starting it'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "diff" -d 'Inspect changes to files or directories on a container\'s filesystem'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "exec" -d 'Execute a command in a running container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "export" -d 'Export a container\'s filesystem as a tar archive'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "inspect" -d 'Display detailed information on one or more containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "kill" -d 'Kill one or more running containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "logs" -d 'Fetch the logs of a container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "ls" -d 'List containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "ps" -d 'List containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "list" -d 'List containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "commit" -d 'Create a new image from a container\'s changes'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "pause" -d 'Pause all processes within one or more containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "port" -d 'List port mappings of a container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "prune" -d 'Remove all stopped containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "rename" -d 'Rename a container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "restart" -d 'Restart one or more containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "rm" -d 'Remove one or more containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "remove" -d 'Remove one or more containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "run" -d 'Create and run a new container from an image'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "start" -d 'Start one or more stopped containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "stats" -d 'Display a live stream of containers\' resource usage'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "stop" -d 'Stop one or more running containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "top" -d 'Display the running processes of a container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "unpause" -d 'Unpause all processes within one or more containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "update" -d 'Update the resource limits and restart policy of containers'
complete -c rcon -n "__fish_rcon_using_subcommand container; and not __fish_seen_subcommand_from attach cp create diff exec export inspect kill logs ls ps list commit pause port prune rename restart rm remove run start stats stop top unpause update wait" -f -a "wait" -d 'Block until one or more containers stop, then print their exit codes'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from attach" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from attach" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from attach" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from attach" -l no-stdin -d 'Do not attach STDIN'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from attach" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from cp" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from cp" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from cp" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from cp" -s a -l archive -d 'Archive mode: keep the source\'s owner (uid/gid)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from cp" -s L -l follow-link -d 'Always follow a symlink given as SRC'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from cp" -s q -l quiet -d 'Suppress progress output (accepted; rcon prints none)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from cp" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l name -d 'Assign a name to the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s e -l env -d 'Set environment variables (KEY=VALUE, or KEY to take it from rcon\'s environment)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l env-file -d 'Read environment variables from a file (one KEY=VALUE per line)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s w -l workdir -d 'Working directory inside the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s u -l user -d 'Username or UID, optionally with a group: USER[:GROUP]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l entrypoint -d 'Overwrite the default ENTRYPOINT of the image ("" clears it)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s h -l hostname -d 'Container host name' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l tls-verify -d 'Require HTTPS and verify certificates when the image must be pulled' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l pull -d 'Pull the image: missing (default), always or never' -r -f -a "missing\t''
always\t''
never\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l restart -d 'Restart policy: no, on-failure[:MAX-RETRIES], always, unless-stopped' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l log-opt -d 'Log driver options: max-size=SIZE, max-file=N' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l health-cmd -d 'Command to run to check health' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l health-interval -d 'Time between running the check (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l health-timeout -d 'Maximum time to allow one check to run (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l health-retries -d 'Consecutive failures needed to report unhealthy' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l health-start-period -d 'Start period for the container to initialize before counting retries (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l health-on-failure -d 'Action when the container turns unhealthy: none, kill, restart, stop' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-timeout -d 'Seconds to wait for the stop signal to end the container before SIGKILL' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s l -l label -d 'Set metadata on the container (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l pod -d 'Run the container in this pod (name or ID): it shares the pod\'s network, IPC and UTS namespaces' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l network -l net -d 'Connect the container to a network: bridge (default), none, host, NAME or container:NAME|ID' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l network-alias -l net-alias -d 'Add a network-scoped alias for the container (user networks)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s p -l publish -d 'Publish a container\'s port(s) to the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l expose -d 'Expose a port or a range of ports (published by -P)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l ip -d 'IPv4 address on the network (e.g. 10.99.1.10)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l add-host -d 'Add a custom host-to-IP mapping (NAME:IP)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l dns -d 'Set custom DNS servers' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-search -d 'Set custom DNS search domains' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l dns-option -l dns-opt -d 'Set DNS options' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l sig-proxy -d 'Proxy received signals to the container (foreground runs)' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l stop-signal -d 'Signal to stop the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-add -d 'Add Linux capabilities (or ALL)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l cap-drop -d 'Drop Linux capabilities (or ALL)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l security-opt -d 'Security options: seccomp=unconfined|PROFILE.json, no-new-privileges' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l tmpfs -d 'Mount a tmpfs directory: PATH[:OPTIONS]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s m -l memory -d 'Memory limit (e.g. 512m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l memory-swap -d 'Memory plus swap limit; -1 for unlimited swap' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l memory-reservation -d 'Memory soft limit' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l cpus -d 'Number of CPUs (e.g. 1.5)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l pids-limit -d 'Tune container pids limit (-1 for unlimited)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l ulimit -d 'Ulimit options: NAME=SOFT[:HARD]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l group-add -d 'Add additional groups to join' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l domainname -d 'Container NIS domain name' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l sysctl -d 'Namespaced kernel parameters: KEY=VALUE' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l pid -d 'PID namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l ipc -d 'IPC namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l uts -d 'UTS namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l shm-size -d 'Size of /dev/shm (default 64m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l device -d 'Add a host device: HOST[:CONTAINER[:PERMS]]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l userns -d 'User namespace to use: host, auto[:size=N], keep-id, nomap' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l uidmap -d 'Map container ids to host ids in a user namespace: CONTAINER:HOST:SIZE' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l gidmap -d 'Map container gids to host gids: CONTAINER:HOST:SIZE (default: as --uidmap)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l subuidname -d 'Map the container\'s uids to the ranges of NAME in /etc/subuid' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l subgidname -d 'Map the container\'s gids to the ranges of NAME in /etc/subgid' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s v -l volume -d 'Bind mount a host path or mount a volume: [SOURCE:]DEST[:OPTIONS] (ro, rw, z, Z, propagation, nocopy)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l mount -d 'Attach a filesystem mount: type=bind|volume|tmpfs,source=…,target=…[,readonly][,…]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l volumes-from -d 'Mount the volumes of another container: CONTAINER[:ro|rw]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l rm -d 'Automatically remove the container when it exits'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Suppress the pull output'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l no-healthcheck -d 'Disable any container-specified HEALTHCHECK'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s P -l publish-all -d 'Publish all exposed ports to free host ports'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s i -l interactive -d 'Keep STDIN open'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l init -d 'Run an init inside the container that forwards signals and reaps processes'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l privileged -d 'Give extended privileges to this container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -l read-only -d 'Mount the container\'s root filesystem as read only'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from create" -s d -l detach -d 'Run the container in the background and print its ID'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from diff" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from diff" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from diff" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from diff" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from exec" -s e -l env -d 'Set environment variables (KEY=VALUE, or KEY to take it from rcon\'s environment)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from exec" -s u -l user -d 'Username or UID, optionally with a group: USER[:GROUP]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from exec" -s w -l workdir -d 'Working directory inside the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from exec" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from exec" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from exec" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from exec" -s d -l detach -d 'Detached mode: run the command in the background'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from exec" -s i -l interactive -d 'Keep STDIN open'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from exec" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from exec" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from export" -s o -l output -d 'Write to this file instead of standard output' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from export" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from export" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from export" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from export" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from inspect" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from inspect" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from inspect" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from inspect" -s s -l size -d 'Display total file sizes (accepted for docker compatibility)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from kill" -s s -l signal -d 'Signal to send, by name or number' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from kill" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from kill" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from kill" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from logs" -s n -l tail -d 'Number of lines to show from the end of the logs ("all" for every line)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from logs" -l since -d 'Show logs since a timestamp (2026-11-21T10:00:00Z) or relative time (42m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from logs" -l until -d 'Show logs before a timestamp (2026-11-21T10:00:00Z) or relative time (42m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from logs" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from logs" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from logs" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from logs" -s f -l follow -d 'Follow log output until the container exits'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Show timestamps'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -s n -l last -d 'Show the N last created containers (all states)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: id, name, label, status, ancestor, exited, health (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -l format -d 'Format the output using a Go template, "table TEMPLATE" or "json"' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -s a -l all -d 'Show all containers (default shows just running)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only display container IDs'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -s l -l latest -d 'Show the latest created container (all states)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -s s -l size -d 'Display total file sizes'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -l pod -d 'Show the ID and name of the pod of each container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -s n -l last -d 'Show the N last created containers (all states)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -s f -l filter -d 'Filter: id, name, label, status, ancestor, exited, health (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -l format -d 'Format the output using a Go template, "table TEMPLATE" or "json"' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -s a -l all -d 'Show all containers (default shows just running)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -s q -l quiet -d 'Only display container IDs'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -s l -l latest -d 'Show the latest created container (all states)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -s s -l size -d 'Display total file sizes'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -l pod -d 'Show the ID and name of the pod of each container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from ps" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -s n -l last -d 'Show the N last created containers (all states)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -s f -l filter -d 'Filter: id, name, label, status, ancestor, exited, health (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -l format -d 'Format the output using a Go template, "table TEMPLATE" or "json"' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -s a -l all -d 'Show all containers (default shows just running)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only display container IDs'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -s l -l latest -d 'Show the latest created container (all states)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -s s -l size -d 'Display total file sizes'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -l pod -d 'Show the ID and name of the pod of each container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from commit" -s a -l author -d 'Author (e.g. "John Hannibal Smith <hannibal@a-team.com>")' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from commit" -s c -l change -d 'Apply a Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from commit" -s m -l message -d 'Commit message' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from commit" -s p -l pause -d 'Pause the container during commit' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from commit" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from commit" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from commit" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from commit" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from pause" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from pause" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from pause" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from port" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from port" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from port" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from port" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from prune" -l filter -d 'Provide filter values (until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE])' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from prune" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from prune" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from prune" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from rename" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from rename" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from rename" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from restart" -s t -l time -l timeout -d 'Seconds to wait before killing the container (default: its --stop-timeout, else 10)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from restart" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from restart" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from restart" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from rm" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from rm" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from rm" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from rm" -s f -l force -d 'Force the removal of a running container (uses SIGKILL)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from rm" -s v -l volumes -d 'Remove anonymous volumes associated with the container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from remove" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from remove" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from remove" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from remove" -s f -l force -d 'Force the removal of a running container (uses SIGKILL)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from remove" -s v -l volumes -d 'Remove anonymous volumes associated with the container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l name -d 'Assign a name to the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s e -l env -d 'Set environment variables (KEY=VALUE, or KEY to take it from rcon\'s environment)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l env-file -d 'Read environment variables from a file (one KEY=VALUE per line)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s w -l workdir -d 'Working directory inside the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s u -l user -d 'Username or UID, optionally with a group: USER[:GROUP]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l entrypoint -d 'Overwrite the default ENTRYPOINT of the image ("" clears it)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s h -l hostname -d 'Container host name' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l tls-verify -d 'Require HTTPS and verify certificates when the image must be pulled' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l pull -d 'Pull the image: missing (default), always or never' -r -f -a "missing\t''
always\t''
never\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l restart -d 'Restart policy: no, on-failure[:MAX-RETRIES], always, unless-stopped' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l log-opt -d 'Log driver options: max-size=SIZE, max-file=N' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l health-cmd -d 'Command to run to check health' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l health-interval -d 'Time between running the check (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l health-timeout -d 'Maximum time to allow one check to run (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l health-retries -d 'Consecutive failures needed to report unhealthy' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l health-start-period -d 'Start period for the container to initialize before counting retries (ms|s|m|h)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l health-on-failure -d 'Action when the container turns unhealthy: none, kill, restart, stop' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-timeout -d 'Seconds to wait for the stop signal to end the container before SIGKILL' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s l -l label -d 'Set metadata on the container (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l pod -d 'Run the container in this pod (name or ID): it shares the pod\'s network, IPC and UTS namespaces' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l network -l net -d 'Connect the container to a network: bridge (default), none, host, NAME or container:NAME|ID' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l network-alias -l net-alias -d 'Add a network-scoped alias for the container (user networks)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s p -l publish -d 'Publish a container\'s port(s) to the host: [IP:][HOSTPORT:]CONTAINERPORT[/tcp|/udp]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l expose -d 'Expose a port or a range of ports (published by -P)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l ip -d 'IPv4 address on the network (e.g. 10.99.1.10)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l add-host -d 'Add a custom host-to-IP mapping (NAME:IP)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l dns -d 'Set custom DNS servers' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-search -d 'Set custom DNS search domains' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l dns-option -l dns-opt -d 'Set DNS options' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l sig-proxy -d 'Proxy received signals to the container (foreground runs)' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l stop-signal -d 'Signal to stop the container' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-add -d 'Add Linux capabilities (or ALL)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l cap-drop -d 'Drop Linux capabilities (or ALL)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l security-opt -d 'Security options: seccomp=unconfined|PROFILE.json, no-new-privileges' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l tmpfs -d 'Mount a tmpfs directory: PATH[:OPTIONS]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s m -l memory -d 'Memory limit (e.g. 512m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l memory-swap -d 'Memory plus swap limit; -1 for unlimited swap' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l memory-reservation -d 'Memory soft limit' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l cpus -d 'Number of CPUs (e.g. 1.5)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l pids-limit -d 'Tune container pids limit (-1 for unlimited)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l ulimit -d 'Ulimit options: NAME=SOFT[:HARD]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l group-add -d 'Add additional groups to join' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l domainname -d 'Container NIS domain name' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l sysctl -d 'Namespaced kernel parameters: KEY=VALUE' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l pid -d 'PID namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l ipc -d 'IPC namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l uts -d 'UTS namespace to use (host)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l shm-size -d 'Size of /dev/shm (default 64m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l device -d 'Add a host device: HOST[:CONTAINER[:PERMS]]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l userns -d 'User namespace to use: host, auto[:size=N], keep-id, nomap' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l uidmap -d 'Map container ids to host ids in a user namespace: CONTAINER:HOST:SIZE' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l gidmap -d 'Map container gids to host gids: CONTAINER:HOST:SIZE (default: as --uidmap)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l subuidname -d 'Map the container\'s uids to the ranges of NAME in /etc/subuid' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l subgidname -d 'Map the container\'s gids to the ranges of NAME in /etc/subgid' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s v -l volume -d 'Bind mount a host path or mount a volume: [SOURCE:]DEST[:OPTIONS] (ro, rw, z, Z, propagation, nocopy)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l mount -d 'Attach a filesystem mount: type=bind|volume|tmpfs,source=…,target=…[,readonly][,…]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l volumes-from -d 'Mount the volumes of another container: CONTAINER[:ro|rw]' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l rm -d 'Automatically remove the container when it exits'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s q -l quiet -d 'Suppress the pull output'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s d -l detach -d 'Run the container in the background and print its ID'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l no-healthcheck -d 'Disable any container-specified HEALTHCHECK'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s P -l publish-all -d 'Publish all exposed ports to free host ports'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s i -l interactive -d 'Keep STDIN open'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -s t -l tty -d 'Allocate a pseudo-TTY'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l init -d 'Run an init inside the container that forwards signals and reaps processes'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l privileged -d 'Give extended privileges to this container'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from run" -l read-only -d 'Mount the container\'s root filesystem as read only'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from start" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from start" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from start" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from start" -s a -l attach -d 'Attach stdout/stderr and wait for the container to exit; exit with its code'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from start" -s i -l interactive -d 'Attach stdin (for containers created with -i)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stats" -l format -d 'Pretty-print stats using a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stats" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stats" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stats" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stats" -s a -l all -d 'Show all containers (default shows just running)'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stats" -l no-stream -d 'Disable streaming stats and only pull the first result'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stats" -l no-trunc -d 'Do not truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stop" -s t -l time -l timeout -d 'Seconds to wait before killing the container (default: its --stop-timeout, else 10)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stop" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stop" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stop" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from top" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from top" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from top" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from top" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from unpause" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from unpause" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from unpause" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from unpause" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -s m -l memory -d 'Memory limit (e.g. 512m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -l memory-swap -d 'Memory plus swap limit; -1 for unlimited swap' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -l memory-reservation -d 'Memory soft limit' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -l cpus -d 'Number of CPUs (e.g. 1.5)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -l pids-limit -d 'Tune container pids limit (-1 for unlimited)' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -l restart -d 'Restart policy to apply when a container exits' -r
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from wait" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from wait" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from wait" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand container; and __fish_seen_subcommand_from wait" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune" -f -a "create" -d 'Create a volume'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune" -f -a "ls" -d 'List volumes'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune" -f -a "inspect" -d 'Display detailed information on one or more volumes'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune" -f -a "rm" -d 'Remove one or more volumes'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and not __fish_seen_subcommand_from create ls inspect rm prune" -f -a "prune" -d 'Remove unused volumes (anonymous ones unless --all)'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from create" -s l -l label -d 'Set metadata on the volume (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from create" -s d -l driver -d 'Volume driver (only "local")' -r
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from create" -s o -l opt -d 'Driver options (KEY=VALUE); rcon\'s local driver takes none' -r
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from create" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from create" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from create" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from ls" -s f -l filter -d 'Filter: dangling=true|false, name=…, label=KEY[=VALUE], driver=local' -r
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from ls" -l format -d 'Format output with a Go template, `table …` or `json`' -r
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from ls" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from ls" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from ls" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only display volume names'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s f -l format -d 'Format output with a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from inspect" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from rm" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from rm" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from rm" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from rm" -s f -l force -d 'Do not fail on volumes that do not exist'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from prune" -l filter -d 'Filter: label=KEY[=VALUE], label!=KEY[=VALUE]' -r
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from prune" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from prune" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from prune" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all unused volumes (the default, as docker 20.10\'s; accepted for docker 23+ scripts)'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c rcon -n "__fish_rcon_using_subcommand volume; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand cp" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand cp" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand cp" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand cp" -s a -l archive -d 'Archive mode: keep the source\'s owner (uid/gid)'
complete -c rcon -n "__fish_rcon_using_subcommand cp" -s L -l follow-link -d 'Always follow a symlink given as SRC'
complete -c rcon -n "__fish_rcon_using_subcommand cp" -s q -l quiet -d 'Suppress progress output (accepted; rcon prints none)'
complete -c rcon -n "__fish_rcon_using_subcommand cp" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand events" -l since -d 'Show events created since this time (timestamp, Unix time or duration like 10m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand events" -l until -d 'Stream events until this time, then exit' -r
complete -c rcon -n "__fish_rcon_using_subcommand events" -s f -l filter -d 'Filter output: container=, event=, image=, label=, network=, type=, volume=' -r
complete -c rcon -n "__fish_rcon_using_subcommand events" -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand events" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand events" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand events" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand events" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand info" -s f -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand info" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand info" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand info" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand info" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand rename" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand rename" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand rename" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand rename" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand search" -s f -l filter -d 'Filter output: stars=N, is-official=BOOL, is-automated=BOOL' -r
complete -c rcon -n "__fish_rcon_using_subcommand search" -l format -d 'Pretty-print search using a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand search" -l limit -d 'Max number of search results' -r
complete -c rcon -n "__fish_rcon_using_subcommand search" -l tls-verify -d 'Require HTTPS and verify certificates when contacting registries' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand search" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand search" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand search" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand search" -l no-trunc -d 'Don\'t truncate output'
complete -c rcon -n "__fish_rcon_using_subcommand search" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand system; and not __fish_seen_subcommand_from check df events info prune service" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and not __fish_seen_subcommand_from check df events info prune service" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and not __fish_seen_subcommand_from check df events info prune service" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand system; and not __fish_seen_subcommand_from check df events info prune service" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand system; and not __fish_seen_subcommand_from check df events info prune service" -f -a "check" -d 'Check the consistency of the store, and repair it'
complete -c rcon -n "__fish_rcon_using_subcommand system; and not __fish_seen_subcommand_from check df events info prune service" -f -a "df" -d 'Show disk usage'
complete -c rcon -n "__fish_rcon_using_subcommand system; and not __fish_seen_subcommand_from check df events info prune service" -f -a "events" -d 'Get real time events from the engine'
complete -c rcon -n "__fish_rcon_using_subcommand system; and not __fish_seen_subcommand_from check df events info prune service" -f -a "info" -d 'Display system-wide information'
complete -c rcon -n "__fish_rcon_using_subcommand system; and not __fish_seen_subcommand_from check df events info prune service" -f -a "prune" -d 'Remove unused data'
complete -c rcon -n "__fish_rcon_using_subcommand system; and not __fish_seen_subcommand_from check df events info prune service" -f -a "service" -d 'Serve the Docker Engine API (for docker clients) until idle'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from check" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from check" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from check" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from check" -l repair -d 'Repair what can be repaired (remove damaged containers and leftovers of killed commands)'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from df" -l format -d 'Pretty-print using a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from df" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from df" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from df" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from df" -s v -l verbose -d 'Show detailed information on space usage'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from df" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from events" -l since -d 'Show events created since this time (timestamp, Unix time or duration like 10m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from events" -l until -d 'Stream events until this time, then exit' -r
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from events" -s f -l filter -d 'Filter output: container=, event=, image=, label=, network=, type=, volume=' -r
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from events" -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from events" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from events" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from events" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from events" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from info" -s f -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from info" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from info" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from info" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from prune" -l filter -d 'Provide filter values (until=TIME, label=KEY[=VALUE], label!=KEY[=VALUE])' -r
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from prune" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from prune" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from prune" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from prune" -s a -l all -d 'Remove all unused images, not just dangling ones'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not prompt for confirmation'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from prune" -l volumes -d 'Prune volumes'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from service" -s t -l time -d 'Exit after this many seconds without a request or an open stream (0: never)' -r
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from service" -l group -d 'Group allowed to use the unix socket (mode 0660; default: root only)' -r
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from service" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from service" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from service" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from service" -l allow-remote -d 'Serve on a TCP address that is not loopback (whoever reaches the API is root on this host)'
complete -c rcon -n "__fish_rcon_using_subcommand system; and __fish_seen_subcommand_from service" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand update" -s m -l memory -d 'Memory limit (e.g. 512m)' -r
complete -c rcon -n "__fish_rcon_using_subcommand update" -l memory-swap -d 'Memory plus swap limit; -1 for unlimited swap' -r
complete -c rcon -n "__fish_rcon_using_subcommand update" -l memory-reservation -d 'Memory soft limit' -r
complete -c rcon -n "__fish_rcon_using_subcommand update" -l cpus -d 'Number of CPUs (e.g. 1.5)' -r
complete -c rcon -n "__fish_rcon_using_subcommand update" -s c -l cpu-shares -d 'CPU shares (relative weight)' -r
complete -c rcon -n "__fish_rcon_using_subcommand update" -l cpuset-cpus -d 'CPUs in which to allow execution (0-3, 0,1)' -r
complete -c rcon -n "__fish_rcon_using_subcommand update" -l pids-limit -d 'Tune container pids limit (-1 for unlimited)' -r
complete -c rcon -n "__fish_rcon_using_subcommand update" -l restart -d 'Restart policy to apply when a container exits' -r
complete -c rcon -n "__fish_rcon_using_subcommand update" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand update" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand update" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand update" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand version" -s f -l format -d 'Format the output using a Go template (or "json")' -r
complete -c rcon -n "__fish_rcon_using_subcommand version" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand version" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand version" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand version" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand diff" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand diff" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand diff" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand diff" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand kube; and not __fish_seen_subcommand_from play generate" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand kube; and not __fish_seen_subcommand_from play generate" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand kube; and not __fish_seen_subcommand_from play generate" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand kube; and not __fish_seen_subcommand_from play generate" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand kube; and not __fish_seen_subcommand_from play generate" -f -a "play" -d 'Run the pods, containers and volumes of Kubernetes YAML (Pod, Deployment, Service, ConfigMap, Secret, PVC…)'
complete -c rcon -n "__fish_rcon_using_subcommand kube; and not __fish_seen_subcommand_from play generate" -f -a "generate" -d 'Print Kubernetes YAML for containers and pods'
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l start -d 'Start the pods (--start=false only creates them)' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l publish -d 'Publish a container port on the host, overriding the YAML: [IP:]HOST:CONTAINER[/PROTO]' -r
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l network -d 'Network of the pods: bridge (default), none, host or a network\'s name' -r
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l configmap -d 'YAML file(s) with ConfigMaps the YAML refers to' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l build -d 'Build images from the directory NAME (with a Containerfile or Dockerfile) beside the YAML, NAME being the image\'s last name: --build always, --build=false never, neither when missing' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l tls-verify -d 'Require HTTPS and verify certificates when images must be pulled' -r -f -a "true\t''
false\t''"
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l down -d 'Remove the pods and containers the YAML describes (volumes of claims are kept)'
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -l replace -d 'Remove the YAML\'s pods first if they exist, then play it'
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -s q -l quiet -d 'Suppress the pull output'
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from play" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from generate" -s k -l type -d 'Kind of workload: pod or deployment' -r -f -a "pod\t''
deployment\t''"
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from generate" -s f -l filename -d 'Write the YAML to this file instead of standard output' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from generate" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from generate" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from generate" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from generate" -s s -l service -d 'Also generate a Service for the published ports'
complete -c rcon -n "__fish_rcon_using_subcommand kube; and __fish_seen_subcommand_from generate" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "create" -d 'Create a new, empty pod (its infra holds the shared namespaces)'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "ls" -d 'List pods'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "list" -d 'List pods'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "ps" -d 'List pods'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "inspect" -d 'Display detailed information on pods as JSON'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "start" -d 'Start pods (the infra first, then every container)'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "stop" -d 'Stop pods (every container, then the infra)'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "restart" -d 'Restart pods'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "kill" -d 'Send a signal to every running container of pods'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "pause" -d 'Pause every container of pods'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "unpause" -d 'Unpause every container of pods'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "rm" -d 'Remove pods and their containers'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "prune" -d 'Remove every pod none of whose containers runs'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "top" -d 'Display the running processes of a pod\'s containers'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "logs" -d 'Fetch the logs of a pod\'s containers'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and not __fish_seen_subcommand_from create ls list ps inspect start stop restart kill pause unpause rm prune top logs stats" -f -a "stats" -d 'Display resource usage of a pod\'s containers'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -s n -l name -d 'Assign a name to the pod' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -l hostname -d 'Host name of the pod\'s containers (default: the pod\'s name)' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -s l -l label -d 'Set metadata on the pod (KEY=VALUE)' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -s p -l publish -d 'Publish a port of the pod on the host: [IP:][HOST:]CONTAINER[/PROTO]' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -l network -d 'Network of the pod: bridge (default), none, host or a network\'s name' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -l add-host -d 'Add a custom host-to-IP mapping (NAME:IP)' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -l dns -d 'Set custom DNS servers' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -l dns-search -d 'Set custom DNS search domains' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ls" -l format -d 'Output format: "json" or a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ls" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ls" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ls" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Only print pod IDs'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ls" -l no-trunc -d 'Do not truncate IDs'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from list" -l format -d 'Output format: "json" or a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from list" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from list" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from list" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Only print pod IDs'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from list" -l no-trunc -d 'Do not truncate IDs'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ps" -l format -d 'Output format: "json" or a Go template' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ps" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ps" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ps" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ps" -s q -l quiet -d 'Only print pod IDs'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ps" -l no-trunc -d 'Do not truncate IDs'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from ps" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from inspect" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from inspect" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from inspect" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from inspect" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from start" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from start" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from start" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from stop" -s t -l time -l timeout -d 'Seconds to wait for each container before killing it' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from stop" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from stop" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from stop" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from stop" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from restart" -s t -l time -l timeout -d 'Seconds to wait for each container before killing it' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from restart" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from restart" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from restart" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from restart" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from kill" -s s -l signal -d 'Signal to send, by name or number' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from kill" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from kill" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from kill" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from pause" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from pause" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from pause" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from pause" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from unpause" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from unpause" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from unpause" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from unpause" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from rm" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from rm" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from rm" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from rm" -s f -l force -d 'Stop and remove running pods (SIGKILL)'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from rm" -s v -l volumes -d 'Also remove the containers\' anonymous volumes'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from rm" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from prune" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from prune" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from prune" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from prune" -s f -l force -d 'Do not ask for confirmation (rcon never asks)'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from top" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from top" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from top" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from top" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from logs" -s c -l container -d 'Only this container of the pod (name or ID)' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from logs" -s n -l tail -d 'Number of lines to show from the end of each container\'s log ("all")' -r
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from logs" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from logs" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from logs" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from logs" -s t -l timestamps -d 'Show timestamps'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from logs" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from stats" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from stats" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from stats" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from stats" -l no-stream -d 'Disable streaming stats and only pull the first result'
complete -c rcon -n "__fish_rcon_using_subcommand pod; and __fish_seen_subcommand_from stats" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -l log -d 'Also append errors to this file (as runc\'s --log, read by shims)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -l log-format -d 'Format of --log lines: text or json' -r -f -a "text\t''
json\t''"
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -f -a "create" -d 'Create a container from a bundle; its process waits for `start`'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -f -a "start" -d 'Start a created container\'s process'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -f -a "state" -d 'Print a container\'s state as JSON'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -f -a "kill" -d 'Send a signal (default SIGTERM) to a container\'s process'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and not __fish_seen_subcommand_from create start state kill delete" -f -a "delete" -d 'Delete a stopped container (--force: kill a created or running one first)'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from create" -s b -l bundle -d 'The bundle directory (holding config.json)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from create" -l pid-file -d 'Write the container process\'s pid to this file' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from create" -l console-socket -d 'Unix socket to send the console\'s pty master to (process.terminal)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from create" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from create" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from create" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from start" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from start" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from start" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from start" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from state" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from state" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from state" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from state" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from kill" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from kill" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from kill" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from kill" -s a -l all -d 'Send it to every process of the container'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from kill" -s h -l help -d 'Print help'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from delete" -l root -d 'Store root for images, layers and containers' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from delete" -l runroot -d 'Directory for run state (pids, locks of running containers)' -r -F
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from delete" -l log-level -d 'Logging level: debug, info, warn or error' -r -f -a "debug\t''
info\t''
warn\t''
error\t''"
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from delete" -s f -l force -d 'Kill the container if it is running'
complete -c rcon -n "__fish_rcon_using_subcommand oci; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help'
