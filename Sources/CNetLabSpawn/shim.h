// posix_spawn's "close every descriptor from N" (glibc 2.34), which the Glibc module does not
// import. Only NetLabSpawn imports this module.
#ifndef NETLAB_CNETLABSPAWN_SHIM_H
#define NETLAB_CNETLABSPAWN_SHIM_H

#include <spawn.h>

int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

static inline int netlab_spawn_close_from(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

#endif
