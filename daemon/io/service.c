/*
 * service.c — sd_notify is a no-op outside systemd. Watchdog pings come from
 * a timer on the one event loop, so a loop that stops turning stops pinging
 * and systemd restarts the daemon.
 */
#include "config.h"

#include <stdint.h>

#include <systemd/sd-daemon.h>

#include "io/log.h"
#include "io/service.h"
#include "io/sysutil.h"

static struct event *service_watchdog;

static void
service_on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	sd_notify(0, "WATCHDOG=1");
}

void
service_init(struct event_base *base)
{
	uint64_t usec = 0;
	struct timeval tv;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return;
	usec /= 2;
	tv = sys_timeval_us((int64_t)usec);
	service_watchdog = event_new(base, -1, EV_PERSIST, service_on_watchdog, NULL);
	event_add(service_watchdog, &tv);
	log_info("watchdog_enabled", "ping_every_ms=%llu", (unsigned long long)(usec / 1000));
}

void
service_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

/*
 * MONOTONIC_USEC tells systemd which reload this notice belongs to (systemd
 * 253's Type=notify-reload wants it; older ones ignore it).
 */
void
service_reloading(void)
{
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%lld\nSTATUS=reloading the config",
	    (long long)sys_monotonic_us());
}

void
service_stopping(void)
{
	/* Pings go on: the loop still turns while in-flight requests finish. */
	sd_notify(0, "STOPPING=1");
}

void
service_free(void)
{
	if (service_watchdog != NULL)
		event_free(service_watchdog);
	service_watchdog = NULL;
}
