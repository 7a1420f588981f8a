/* service.h — systemd integration: readiness, reload and stop notices, watchdog pings. */
#ifndef LEADROUTED_SERVICE_H
#define LEADROUTED_SERVICE_H

#include <event2/event.h>

/* Start pinging the watchdog from the loop if systemd asked for it. */
void service_init(struct event_base *base);
void service_ready(const char *status);
void service_reloading(void);
void service_stopping(void);
void service_free(void);

#endif
