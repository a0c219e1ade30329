start-choose-language = Hi! I am a reminder bot. Choose your language:
start-ask-zone = Now your time zone. Send a city (e.g. <i>Berlin</i>), share your location with the button below, or send a UTC offset such as <i>+3</i> or <i>UTC-5</i>.
button-share-location = 📍 Share location
zone-unknown = I do not know that place or offset. Send a city (<i>London</i>), a UTC offset (<i>+2</i>, <i>UTC-7</i>) or share your location.
zone-set = Time zone: <b>{ $zone }</b>, local time now { $now }.
onboarding-done = All set! Just write what to remind you of and when, for example:
    <i>tomorrow at 9am call mom</i>
    <i>in 20 minutes stand up</i>
    <i>every Monday 10:00 standup</i>
    /help shows more.
need-zone = First tell me your time zone: send a city, a UTC offset or your location.
group-need-start = { $name }, open a private chat with me and send /start first, so I know your time zone.
help =
    <b>How to create a reminder</b>
    Just write it (or <code>/remind ...</code> in groups):
    • <i>tomorrow at 9am call mom</i>
    • <i>in 2 hours drink water</i>
    • <i>on Friday at 18:30 pick up the parcel</i>
    • <i>December 25 at 10am</i>
    • <i>every day at 9 vitamins</i>
    • <i>every weekday at 8:30 standup</i>
    • <i>every 2 hours stretch</i>
    Add <i>urgent</i> to ring even during quiet hours.

    /list — your reminders (pause, edit, delete)
    /settings — language, time zone, quiet hours
    /help — this message
cmd-start = Start and choose language and time zone
cmd-help = Examples and commands
cmd-list = Your reminders
cmd-settings = Language, time zone, quiet hours
cmd-remind = Create a reminder (in groups)
draft =
    I understood:
    📝 { $text }
    🕒 { $due }{ $repeat }{ $urgent }
    Save it?
draft-repeat = {"\u000A"}🔁 { $repeat }
draft-urgent = {"\u000A"}❗ urgent (ignores quiet hours)
draft-quiet-moved = {"\u000A"}🌙 moved out of your quiet hours
button-confirm = ✅ Save
button-change = ✏️ Change
button-cancel = ✖️ Cancel
saved = Saved. I will remind you { $due }.
cancelled = Cancelled.
change-prompt = Send the reminder again, with the text and time as you want them.
needs-time = What time on { $date }? Pick one or send the reminder again with a time.
ambiguous = Which time do you mean?
draft-zone = { $there } = { $due } yours
doubt = I am not sure I understood “{ $part }”. Is this the time you mean? If not, send the reminder again in other words.
past = That time ({ $due }) has already passed. Please give a time in the future.
no-time = I could not find a time in that. Try: <i>tomorrow at 9am call mom</i> or <i>in 20 minutes stand up</i>. /help has more examples.
empty-text = What should I remind you of? Write the text together with the time, e.g. <i>in 1 hour check the oven</i>.
too-long = That is too long: at most { $max } characters, yours has { $length }.
limit-reached = You already have { $max } active reminders, the most I keep (paused ones count too). Delete some in /list first.
expired = This button has expired.
not-yours = This is not your reminder.
list-empty = You have no active reminders. Write one, e.g. <i>tomorrow at 9am call mom</i>.
list-header = <b>Your reminders</b> ({ $total }), page { $page } of { $pages }:
list-item = { $n }. { $text }
    🕒 { $due }{ $repeat }{ $paused }
list-paused = {" "}⏸ paused
button-prev = ◀️
button-next = ▶️
button-delete = 🗑 { $n }
button-pause = ⏸ { $n }
button-resume = ▶️ { $n }
button-edit = ✏️ { $n }
edit-prompt = Send the new text and time for: { $text }
edited = Updated. I will remind you { $due }.
deleted = Deleted.
paused = Paused.
resumed = Resumed.
reminder = 🔔 { $text }
reminder-late = {"\u000A"}<i>(late: was due { $due })</i>
button-done = ✅ Done
button-snooze-10m = ⏰ 10 min
button-snooze-1h = ⏰ 1 hour
button-snooze-morning = 🌅 Tomorrow morning
done = ✅ Done
snoozed = ⏰ Snoozed until { $due }.
settings =
    <b>Settings</b>
    Language: English
    Time zone: { $zone }
    Quiet hours: { $quiet }
quiet-off = off
quiet-range = { $from }–{ $to }
button-language = 🌐 Language
button-zone = 🕒 Time zone
button-quiet = 🌙 Quiet hours
button-quiet-off = Off
quiet-ask = During quiet hours I hold reminders until they end (except urgent ones). Choose:
quiet-set = Quiet hours: { $quiet }.
language-set = Language: English.
error-generic = Something went wrong on my side. Please try again.
status-title = Status
status-release = Release { $release }, up { $uptime }
status-due = Reminders due within the hour: { $count }
status-deploy = Last deploy: { $deploy }
status-backup = Newest backup: { $newest }; last scheduled run: { $run }
status-drill = Last restore drill: { $run }
status-disk = Disk free: { $disk }
status-incidents = Open incidents: { $count }
status-no-report = No report from the server's watchdog (is remindbot-watch.timer running?)
status-report-old = The watchdog's report is old: { $at }
