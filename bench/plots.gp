# bench/plots.gp — the throughput plots of docs/benchmarks.md, drawn from
# bench/throughput.sh's throughput.dat (one row per client count: TPS then
# p99 in ms, corral and PgBouncer, -M simple then -M extended).
# Usage: gnuplot -e "data='throughput.dat'; tps='tps.png'; p99='p99.png'" bench/plots.gp
set terminal pngcairo size 800,520 font ",11"
set logscale x
set xlabel "pgbench clients (pool of 20)"
set grid
set key below horizontal
set style line 1 lc rgb "#1b7837" lw 2 pt 7
set style line 2 lc rgb "#762a83" lw 2 pt 5
set style line 3 lc rgb "#1b7837" lw 2 pt 6 dt 2
set style line 4 lc rgb "#762a83" lw 2 pt 4 dt 2

set output tps
set title "pgbench -S throughput (median of interleaved runs)"
set ylabel "transactions per second"
set yrange [0:*]
plot data using 1:2 with linespoints ls 1 title "corral, simple", \
     data using 1:3 with linespoints ls 2 title "PgBouncer, simple", \
     data using 1:4 with linespoints ls 3 title "corral, extended", \
     data using 1:5 with linespoints ls 4 title "PgBouncer, extended"

set output p99
set title "pgbench -S p99 latency (median of interleaved runs)"
set ylabel "p99 latency, ms"
set logscale y
set yrange [*:*]
plot data using 1:6 with linespoints ls 1 title "corral, simple", \
     data using 1:7 with linespoints ls 2 title "PgBouncer, simple", \
     data using 1:8 with linespoints ls 3 title "corral, extended", \
     data using 1:9 with linespoints ls 4 title "PgBouncer, extended"
