/**
 * English phrases as people type them (typos, no capitals, no punctuation), each with its expected
 * reading at Thursday 26 November 2026, 08:00 in Europe/London (UTC+0 then). Line format: ru.ts.
 */
export const EN = `
tomorrow at 9am call mom | 2026-11-27 09:00 | call mom
tomorrow at 9 call mom | 2026-11-27 09:00 | call mom
tomorrow at 9:30 dentist | 2026-11-27 09:30 | dentist
tmrw at 10 gym | 2026-11-27 10:00 | gym
tomorow at 8 run | 2026-11-27 08:00 | run
tomorrow 7pm dinner with Sam | 2026-11-27 19:00 | dinner with Sam
tomorrow at 3 report | ask 2026-11-27 03:00 ; 2026-11-27 15:00 | report
tomorrow at 3pm report | 2026-11-27 15:00 | report
tomorrow at noon lunch | 2026-11-27 12:00 | lunch
tomorrow at midnight | 2026-11-28 00:00 || 2026-11-27 00:00 || ask 2026-11-27 00:00 ; 2026-11-28 00:00
tomorrow call the bank | day 2026-11-27 | call the bank
tomorrow morning call the bank | day 2026-11-27 | call the bank
tomorrow evening | day 2026-11-27
tomorrow at 18:00 pick up kids | 2026-11-27 18:00 | pick up kids
tomorrow 10:15 standup | 2026-11-27 10:15 | standup
day after tomorrow 5pm | 2026-11-28 17:00
the day after tomorrow at 10 | 2026-11-28 10:00
day after tomorrow buy flowers | day 2026-11-28 | buy flowers
today at 6pm call dad | 2026-11-26 18:00 | call dad
today at 18:30 | 2026-11-26 18:30
today at 7am | past
today at 5 | 2026-11-26 17:00
tonight at 9 | 2026-11-26 21:00
tonight at 11 take out trash | 2026-11-26 23:00 | take out trash
this evening at 7 | 2026-11-26 19:00
8 this evening | 2026-11-26 20:00
this afternoon at 3 | 2026-11-26 15:00
at 3pm meeting | 2026-11-26 15:00 | meeting
at 7 get up | 2026-11-26 19:00 | get up
at 9 watch the show | ask 2026-11-26 09:00 ; 2026-11-26 21:00 | watch the show
at 8 | 2026-11-26 20:00
at 15:30 meeting | 2026-11-26 15:30 | meeting
at 6:45am | 2026-11-27 06:45
at 7:30 pm | 2026-11-26 19:30
at 7.30pm | 2026-11-26 19:30
7pm | 2026-11-26 19:00
at 11pm | 2026-11-26 23:00
at 12pm | 2026-11-26 12:00
at 12am | 2026-11-27 00:00
at noon | 2026-11-26 12:00
at midnight | 2026-11-27 00:00
at 2 am check server | 2026-11-27 02:00 | check server
at 10 in the morning | 2026-11-26 10:00
3:20 in the afternoon | 2026-11-26 15:20
at 8 in the evening | 2026-11-26 20:00
at 5 in the afternoon | 2026-11-26 17:00
at 9 at night | 2026-11-26 21:00
at 4 oclock | 2026-11-26 16:00
at 4 o'clock | 2026-11-26 16:00
15h00 | 2026-11-26 15:00
at 1500 | 2026-11-26 15:00 || none
at 9:00 | 2026-11-26 09:00
at 09:00 | 2026-11-26 09:00
at 7:00 | 2026-11-27 07:00
quarter past 3pm | 2026-11-26 15:15
quarter past 3 | 2026-11-26 15:15
half past 10 | ask 2026-11-26 10:30 ; 2026-11-26 22:30
half past 10 tomorrow | 2026-11-27 10:30
20 to 9 | ask 2026-11-26 08:40 ; 2026-11-26 20:40
quarter to 6 pm | 2026-11-26 17:45
tomorrow at quarter to 9 | 2026-11-27 08:45
ten past 7 tonight | 2026-11-26 19:10
at half 7 | 2026-11-26 19:30
in 20 minutes stand up | 2026-11-26 08:20 | stand up
in 2 hours drink water | 2026-11-26 10:00 | drink water
in an hour | 2026-11-26 09:00
in half an hour | 2026-11-26 08:30
in 1h30m | 2026-11-26 09:30
in 90 minutes | 2026-11-26 09:30
in two hours | 2026-11-26 10:00
in three hours check the oven | 2026-11-26 11:00 | check the oven
in ten minutes | 2026-11-26 08:10
in 5 min | 2026-11-26 08:05
in 5 mins | 2026-11-26 08:05
in a minute | 2026-11-26 08:01
in 2 hrs | 2026-11-26 10:00
in 1.5 hours | 2026-11-26 09:30
in an hour and a half | 2026-11-26 09:30
in a couple of hours | 2026-11-26 10:00
in a couple hours | 2026-11-26 10:00
in 45 minutes | 2026-11-26 08:45
in 2 hours and 30 minutes | 2026-11-26 10:30
in fifteen minutes | 2026-11-26 08:15
20 minutes from now | 2026-11-26 08:20
2 hours from now | 2026-11-26 10:00
in 3 days pay rent | day 2026-11-29 | pay rent
in a week | day 2026-12-03
in two weeks | day 2026-12-10
in 2 weeks at 10 | 2026-12-10 10:00
in 3 days at 5pm | 2026-11-29 17:00
in a month | day 2026-12-26
in 3 years renew passport | day 2029-11-26 | renew passport
at 7 in 3 years | 2029-11-26 07:00 || ask 2029-11-26 07:00 ; 2029-11-26 19:00
a week from today | day 2026-12-03
a week from tomorrow | day 2026-12-04
3 days hence | day 2026-11-29
2 days from now | day 2026-11-28
in the upcoming 2 weeks | day 2026-12-10 || none
in a few days | none || day 2026-11-29
on Friday at 6:30pm pick up the parcel | 2026-11-27 18:30 | pick up the parcel
on friday at 18:30 | 2026-11-27 18:30
friday 5pm drinks | 2026-11-27 17:00 | drinks
on monday at 10 standup | 2026-11-30 10:00 | standup
monday 9am | 2026-11-30 09:00
on tuesday call the plumber | day 2026-12-01 | call the plumber
tuesday at 9 | 2026-12-01 09:00
wednesday at 2pm dentist | 2026-12-02 14:00 | dentist
on thursday at 4pm | 2026-11-26 16:00
on thursday at 7am | 2026-12-03 07:00
saturday at 11 cleaning | 2026-11-28 11:00 | cleaning
sunday noon lunch at mom's | 2026-11-29 12:00 | lunch at mom's
next monday at 9 | 2026-11-30 09:00
next wednesday 7pm | 2026-12-02 19:00
this saturday at 10 | 2026-11-28 10:00
fri 5pm | 2026-11-27 17:00
mon 9:00 standup | 2026-11-30 09:00 | standup
friday evening | day 2026-11-27
on saturday | day 2026-11-28
friday at 3 | ask 2026-11-27 03:00 ; 2026-11-27 15:00
Tuesday the 1st at 10 | 2026-12-01 10:00
Tuesday the 8th at 10am | 2026-12-08 10:00
sunday at 9 in the morning | 2026-11-29 09:00
on wed at 8 | 2026-12-02 08:00
thurs at 6pm | 2026-11-26 18:00
December 25 at 10am | 2026-12-25 10:00
dec 25 10am | 2026-12-25 10:00
25 December at 10 | 2026-12-25 10:00
25th of December at 10am | 2026-12-25 10:00
the 1st of march pay rent | day 2027-03-01 | pay rent
on the 1st of march at 9 pay rent | 2027-03-01 09:00 | pay rent
March 18th at noon | 2027-03-18 12:00
April 1 at 10 prank | 2027-04-01 10:00 | prank
May 3rd 2027 at 9 | 2027-05-03 09:00
Jan 13 2027 1:34pm | 2027-01-13 13:34
on 12/25 at 10am | 2026-12-25 10:00
12/05 at 10:00 | 2026-12-05 10:00 || 2027-05-12 10:00 || ask 2026-12-05 10:00 ; 2027-05-12 10:00
2026-12-05 10:00 | 2026-12-05 10:00
dec 10 at 7pm | 2026-12-10 19:00
Nov 30 at 8 | 2026-11-30 08:00
december 2 | day 2026-12-02
the 20th of next month | day 2026-12-20
the 20th at 10 | 2026-12-20 10:00
on the 28th at 6pm | 2026-11-28 18:00
on the 5th pay the bill | day 2026-12-05 | pay the bill
jan 1st midnight | 2027-01-01 00:00
new years eve at 11pm | 2026-12-31 23:00 || none
feb 14 at 7pm dinner | 2027-02-14 19:00 | dinner
26 nov at 7am | past
Dec 25 2020 at 10 | past
February 31 at 10 | none
April 31 | none
june 4th at 10 | 2027-06-04 10:00
the fourth of june at 10 | 2027-06-04 10:00
3rd december 2pm | 2026-12-03 14:00
december 5th at 3 in the afternoon | 2026-12-05 15:00
jan 15 9am sign up | 2027-01-15 09:00 | sign up
10am on december 5 | 2026-12-05 10:00
yesterday at 9 | past
5 minutes ago | past
2 days ago | past
an hour ago | past
last sunday at 10 | past
last monday | past
a week ago | past
at 16:00 CET | 2026-11-26 15:00
9am PST | 2026-11-26 17:00
Thursday 8:00 GMT | 2026-12-03 08:00
tomorrow at 9am EST | 2026-11-27 14:00
at 3pm ET | 2026-11-26 20:00
at 10am UTC tomorrow | 2026-11-27 10:00
tomorrow at 5pm Moscow time | 2026-11-27 14:00
at 6pm BST | 2026-11-26 17:00
meeting at 11am CST | 2026-11-26 17:00 | meeting
at 9 am pacific time tomorrow | 2026-11-27 17:00
friday at 2pm EST call | 2026-11-27 19:00 | call
at 14:00 UTC+3 | 2026-11-26 11:00
every day at 9 vitamins | rep daily 09:00 | vitamins
every day at 9am vitamins | rep daily 09:00 | vitamins
daily at 21:00 | rep daily 21:00
everyday at 8 | rep daily 08:00
every morning at 7 | rep daily 07:00
every evening at 10 | rep daily 22:00
every night at 11 read | rep daily 23:00 | read
every weekday at 8:30 standup | rep weekly 1,2,3,4,5 08:30 | standup
weekdays at 9 | rep weekly 1,2,3,4,5 09:00
on weekdays at 7am | rep weekly 1,2,3,4,5 07:00
every monday 10:00 standup | rep weekly 1 10:00 | standup
every Monday at 10 | rep weekly 1 10:00
mondays at 9 | rep weekly 1 09:00
on mondays at 9am | rep weekly 1 09:00
every tuesday and thursday at 7pm | rep weekly 2,4 19:00
every wednesday at 6pm | rep weekly 3 18:00
every friday at 5pm send report | rep weekly 5 17:00 | send report
on weekends at 11 | rep weekly 6,7 11:00
every saturday at 10am | rep weekly 6 10:00
every mon, wed and fri at 7am | rep weekly 1,3,5 07:00
every sunday at 8pm | rep weekly 7 20:00
every 2 hours drink water | rep every 120 | drink water
every 15 minutes | rep every 15
every hour | rep every 60
hourly stretch | rep every 60 | stretch
every half hour | rep every 30
every 3 hours | rep every 180
every 45 mins | rep every 45
every month on the 1st at 10 | rep monthly 1 10:00
monthly on the 15th at noon | rep monthly 15 12:00
on the 5th of every month at 9 | rep monthly 5 09:00
every 10th at 10am pay | rep monthly 10 10:00 | pay
every year on March 5 mom's birthday | rep? yearly 3-5 | mom's birthday
every year on march 5 at 9 | rep yearly 3-5 09:00
every December 25 at 10 | rep yearly 12-25 10:00
annually on feb 14 at 10am | rep yearly 2-14 10:00
every day at 9 until Friday pills | rep daily 09:00 until 2026-11-27 | pills
every day at 9pm until december 15 | rep daily 21:00 until 2026-12-15
every day at 8am for 5 days | rep daily 08:00 times 5
every day at 8 for 2 weeks | rep daily 08:00 until 2026-12-10
weekdays at 9 until the end of the year | rep weekly 1,2,3,4,5 09:00 until 2026-12-31
every other week on Monday at 10 retro | rep weekly/2 1 10:00 | retro
every 2 weeks on friday at 6pm | rep weekly/2 5 18:00
biweekly on monday at 10 | rep weekly/2 1 10:00
every other monday at 9 | rep weekly/2 1 09:00
on the last day of the month at 6pm report | 2026-11-30 18:00 || rep monthly-last 18:00 | report
every last day of the month at 6pm | rep monthly-last 18:00
on the first monday of the month at 10 | 2026-12-07 10:00 || rep monthly-nth 1:1 10:00
every first monday of the month at 10 | rep monthly-nth 1:1 10:00
on the last friday of every month at 5pm | rep monthly-nth -1:5 17:00
every day at 9 and 21 | rep daily 09:00,21:00
every day at 9am and 9pm pills | rep daily 09:00,21:00 | pills
every day | day 2026-11-26 || rep? daily
every monday call mom | rep? weekly 1 | call mom
every day at 3 | ask 2026-11-27 03:00 ; 2026-11-26 15:00
remind me tomorrow at 9 to call mom | 2026-11-27 09:00 | call mom
remind me in 20 minutes to turn off the kettle | 2026-11-26 08:20 | turn off the kettle
please remind me at 6pm to call | 2026-11-26 18:00 | call
remind me to buy bread tomorrow at 10 | 2026-11-27 10:00 | buy bread
urgent in 10 minutes leave | 2026-11-26 08:10 | leave
call mom tomorrow at 9 | 2026-11-27 09:00 | call mom
buy milk at 7pm | 2026-11-26 19:00 | buy milk
take the pill in 2 hours | 2026-11-26 10:00 | take the pill
pick up the parcel on friday at 6pm | 2026-11-27 18:00 | pick up the parcel
meeting with the client on december 3 at 2pm | 2026-12-03 14:00 | meeting with the client
team call on monday at 11 | 2026-11-30 11:00 | team call
pay the loan on december 10 | day 2026-12-10 | pay the loan
buy mom a present by december 25 | day 2026-12-25 || day 2026-12-24 | buy mom a present
finish the report by friday | day 2026-11-27 | finish the report
John's birthday jan 12 at 10 | 2027-01-12 10:00 | John's birthday
call at 5 | 2026-11-26 17:00 | call
call at 5pm | 2026-11-26 17:00 | call
order pizza at 8pm | 2026-11-26 20:00 | order pizza
take out the trash at 9pm | 2026-11-26 21:00 | take out the trash
pick up Mary from dance class at 7pm | 2026-11-26 19:00 | pick up Mary from dance class
tomorow at 9 | 2026-11-27 09:00
tommorow at 10am | 2026-11-27 10:00
tommorrow 9am | 2026-11-27 09:00
tmr 8am | 2026-11-27 08:00
TOMORROW AT 9 CALL | 2026-11-27 09:00 | CALL
tomorrow at 9 call mom!!! | 2026-11-27 09:00 | call mom!!!
in20 minutes | 2026-11-26 08:20 || none
in 2hours | 2026-11-26 10:00
at 9.00 tomorrow | 2026-11-27 09:00
tomorrow at 09:00 | 2026-11-27 09:00
on monday at 9am call the tax office | 2026-11-30 09:00 | call the tax office
friday at 8pm bar | 2026-11-27 20:00 | bar
wednesday at 7am flight | 2026-12-02 07:00 | flight
saturday at 2pm | 2026-11-28 14:00
tuesday 6pm | 2026-12-01 18:00
sunday 11am | 2026-11-29 11:00
thursday at 8pm | 2026-11-26 20:00
next friday at 9 | 2026-11-27 09:00 || 2026-12-04 09:00 || ask 2026-11-27 09:00 ; 2026-12-04 09:00
next week on monday at 10 | 2026-11-30 10:00
next week | day 2026-11-30 || day 2026-12-03 || none
at the end of the month | day 2026-11-30 || none
today | day 2026-11-26
tomorrow | day 2026-11-27
call mom | none | call mom
buy bread | none | buy bread
just some text | none
I have 2 cats | none
apartment 25 | none
buy 3 cartons of milk | none
read 5 chapters | none
call 911 | none
room 7 | none
code 1234 | none
2nd floor | none
2 + 2 = 4 | none
1 800 555 3535 | none
in 2026 | none
give Pete 20 bucks | none
buy 10 eggs | none
in 99999999 hours | none
25:61 | none
at 25 o'clock | none
December 32 at 10 | none
tomorrow at 9 and the day after at 10 | ask 2026-11-27 09:00 ; 2026-11-28 10:00
tomorrow or the day after at 10 | ask 2026-11-27 10:00 ; 2026-11-28 10:00
at 9 or at 10 | ask 2026-11-26 21:00 ; 2026-11-26 22:00 || ask 2026-11-26 09:00 ; 2026-11-26 10:00
today at 9pm and tomorrow at 9am | ask 2026-11-26 21:00 ; 2026-11-27 09:00
tomorrow meeting at 7pm dinner at 8pm | ask 2026-11-27 19:00 ; 2026-11-27 20:00
call at 9am on tuesday | 2026-12-01 09:00 | call
at 10 tomorrow | 2026-11-27 10:00
tomorrow at ten | 2026-11-27 10:00
tomorrow at nine am | 2026-11-27 09:00
at eight pm | 2026-11-26 20:00
at seven in the morning | 2026-11-27 07:00
at six pm | 2026-11-26 18:00
at two in the afternoon | 2026-11-26 14:00
at five | 2026-11-26 17:00
at eleven at night | 2026-11-26 23:00
tomorrow noon | 2026-11-27 12:00
friday at noon lunch | 2026-11-27 12:00 | lunch
in 2 hours 30 mins | 2026-11-26 10:30
in 1,5 hours | 2026-11-26 09:30
in 3 hours check mail | 2026-11-26 11:00 | check mail
in a couple of minutes | 2026-11-26 08:02
in a few minutes | none
in 2 days | day 2026-11-28
in 10 days | day 2026-12-06
in 30 days | day 2026-12-26
in 6 months | day 2027-05-26
at 8:15 | 2026-11-26 08:15
at 6:45 am | 2026-11-27 06:45
at 13:00 | 2026-11-26 13:00
at 08:01 | 2026-11-26 08:01
at 07:59 | 2026-11-27 07:59
at 0:00 | 2026-11-27 00:00
tomorrow at 0:30 | 2026-11-27 00:30
tomorrow at 12 | 2026-11-27 12:00
tomorrow at 1 | ask 2026-11-27 01:00 ; 2026-11-27 13:00
tomorrow at 2am | 2026-11-27 02:00
tonight at 3 | 2026-11-27 03:00 || 2026-11-26 15:00 || ask 2026-11-27 03:00 ; 2026-11-26 15:00
in the morning at 8 | 2026-11-27 08:00
in the evening at 8 | 2026-11-26 20:00
tomorrow morning at 8 | 2026-11-27 08:00
tomorrow evening at 7 | 2026-11-27 19:00
tomorrow afternoon at 3 | 2026-11-27 15:00
saturday morning at 9 | 2026-11-28 09:00
monday evening at 6 | 2026-11-30 18:00
at 10 on saturday | 2026-11-28 10:00
at 5pm on the 3rd | 2026-12-03 17:00
on the 3rd | day 2026-12-03
at 9 on dec 5 | 2026-12-05 09:00
5pm friday | 2026-11-27 17:00
friday 5 pm | 2026-11-27 17:00
fri at 5 | 2026-11-27 17:00 || ask 2026-11-27 05:00 ; 2026-11-27 17:00
sat 10am brunch | 2026-11-28 10:00 | brunch
sun 9 am church | 2026-11-29 09:00 | church
tue 14:00 | 2026-12-01 14:00
wed 7.30am | 2026-12-02 07:30
next tuesday at 3pm | 2026-12-01 15:00
this friday 6pm | 2026-11-27 18:00
coming monday at 10 | 2026-11-30 10:00
on the 15th of december at 12 | 2026-12-15 12:00
15 dec 12:00 | 2026-12-15 12:00
12 december 2026 at 9 | 2026-12-12 09:00
dec 31 at 11:59 pm | 2026-12-31 23:59
jan 1 at 12:01am | 2027-01-01 00:01
in 1 hour | 2026-11-26 09:00
in 1 hr | 2026-11-26 09:00
in 3 minutes | 2026-11-26 08:03
in 30 seconds | 2026-11-26 08:00 || 2026-11-26 08:01
in 4 hours pick up | 2026-11-26 12:00 | pick up
in six hours | 2026-11-26 14:00
in twenty minutes | 2026-11-26 08:20
half an hour from now | 2026-11-26 08:30
in a week at 9am | 2026-12-03 09:00
in a fortnight | day 2026-12-10
`;
