/* ctl_conf.h — where the daemon is and the token: flags, then the environment, then a file. */
#ifndef LEADCTL_CTL_CONF_H
#define LEADCTL_CTL_CONF_H

#include "ctl_args.h"
#include "ctl_http.h"

/* Used when neither a flag, LEADCTL_URL nor the config file names one (conf/leadrouted.yaml's listen). */
#define CTL_DEFAULT_URL "http://127.0.0.1:8080"
#define CTL_DEFAULT_TIMEOUT 10

/*
 * Fill conn from the global options in args, then LEADCTL_URL,
 * LEADCTL_TOKEN, LEADCTL_TOKEN_FILE, LEADCTL_CACERT, then the config file
 * (--config, else $XDG_CONFIG_HOME/leadctl/config or ~/.config/leadctl/config
 * when it exists). CTL_OK, or CTL_USAGE with a message naming the file, line
 * or option at fault.
 */
int ctl_conf_resolve(const struct ctl_args *args, struct ctl_conn *conn);

#endif
