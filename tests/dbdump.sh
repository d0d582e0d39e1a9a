#!/bin/sh
# dbdump.sh DB — a database's runs (sweep, key, status, final loss) and
# metric losses, one line each in a fixed order, floats as hex: two
# databases holding the same results print the same text.
set -eu
sqlite3 "$1" "select s.name, r.key, r.status, hex(r.final_loss), m.step, hex(m.loss)
              from runs r join sweeps s on s.id = r.sweep_id left join metrics m on m.run_id = r.id
              order by s.name, r.key, m.step"
