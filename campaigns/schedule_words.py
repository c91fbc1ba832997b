"""When a campaign will send, said in words for the officer: next send time, or why it is waiting."""

from datetime import datetime

from flask_babel import format_datetime, gettext

from campaigns import schedule
from campaigns.models import Campaign


def when_it_sends(campaign: Campaign) -> str:
    """One sentence: not scheduled, next send at a local time, calling now, or waiting for the window."""
    if campaign.status == Campaign.SCHEDULED and campaign.next_run_at:
        return gettext("Next send: %(when)s.", when=local_time(campaign.next_run_at))
    if campaign.status == Campaign.RUNNING:
        return _running(campaign)
    if campaign.status == Campaign.PAUSED:
        return gettext("Paused: nobody is called until you press Resume.")
    if campaign.status == Campaign.DRAFT:
        return gettext("Not scheduled yet.")
    return ""


def _running(campaign: Campaign) -> str:
    window = schedule.campaign_window(campaign)
    moment = schedule.now()
    if window.contains(moment):
        return gettext("Calling now, until %(end)s today.", end=window.end.strftime("%H:%M"))
    opening = window.next_opening(moment)
    return gettext(
        "Waiting for the calling window (%(start)s–%(end)s): calls start %(when)s, %(wait)s from now.",
        start=window.start.strftime("%H:%M"),
        end=window.end.strftime("%H:%M"),
        when=local_time(opening),
        wait=wait_in_words(opening - moment),
    )


def local_time(moment: datetime) -> str:
    """A moment as a local day and time in the configured zone, in the page's language."""
    return format_datetime(moment.astimezone(schedule.zone()), "EEEE d MMMM, HH:mm", rebase=False)


def wait_in_words(wait) -> str:
    """A wait as hours and minutes, rounded up to the minute."""
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return gettext("%(minutes)s minutes", minutes=minutes)
    return gettext("%(hours)s hours %(minutes)s minutes", hours=hours, minutes=minutes)
