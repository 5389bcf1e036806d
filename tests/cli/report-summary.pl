#!/usr/bin/perl
# tests/cli/report-summary.pl - summarises `trace-cmd report -R -t` output per event:
#   E <event> <count> <first_ns> <last_ns>
#   C <event> <cpu> <count>
#   F <event> <column> <checksum>
# checksum = sum over events of (value mod 1000003), values taken as signed 64-bit
# (the store's convention), so that it never overflows and both sides agree.
use strict;
use warnings;

my %rename = (
	mark_victim => { pid => 'victim_pid' },
	oom_score_adj_update => { pid => 'task_pid' },
	wake_reaper => { pid => 'victim_pid' },
	start_task_reaping => { pid => 'victim_pid' },
	finish_task_reaping => { pid => 'victim_pid' },
	skip_task_reaping => { pid => 'victim_pid' },
);
my (%count, %first, %last, %sum, %percpu);
my $M = 1000003;

sub signed64 {
	my ($v) = @_;
	if ($v =~ /^0x([0-9a-f]+)$/i) {
		my $h = $1;
		$h = "0" x (16 - length($h)) . $h;
		my ($hi, $lo) = (hex(substr($h, 0, 8)), hex(substr($h, 8, 8)));
		my $u = ($hi << 32) | $lo;
		return unpack("q", pack("Q", $u));
	}
	return $v =~ /^-?\d+$/ ? $v + 0 : undef;
}

while (my $line = <STDIN>) {
	next unless $line =~ /\[(\d+)\]\s+(\d+)\.(\d{9}):\s+(\w+):\s*(.*)$/;
	my ($cpu, $sec, $frac, $ev, $rest) = ($1 + 0, $2, $3, $4, $5);
	$percpu{$ev}{$cpu}++;
	my $ts = $sec * 1000000000 + $frac;
	$count{$ev}++;
	$first{$ev} = $ts if !defined $first{$ev} || $ts < $first{$ev};
	$last{$ev} = $ts if !defined $last{$ev} || $ts > $last{$ev};
	while ($rest =~ /(\w+)=(\S+)/g) {
		my ($k, $v) = ($1, signed64($2));
		next unless defined $v;
		$k = $rename{$ev}{$k} if $rename{$ev} && $rename{$ev}{$k};
		$sum{$ev}{$k} += (($v % $M) + $M) % $M;
	}
}
for my $ev (sort keys %count) {
	print "E $ev $count{$ev} $first{$ev} $last{$ev}\n";
	print "C $ev $_ $percpu{$ev}{$_}\n" for sort keys %{ $percpu{$ev} };
	for my $k (sort keys %{ $sum{$ev} }) {
		print "F $ev $k $sum{$ev}{$k}\n";
	}
}
