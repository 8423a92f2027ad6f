package scenario

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"time"
)

// SVG layout.
const (
	svgLeft   = 160.0
	svgWidth  = 1200.0
	svgLaneH  = 10.0
	svgRowGap = 8.0
	svgTop    = 40.0
)

// phaseColours colour pod bars by state.
var phaseColours = map[string]string{
	"pending":   "#f2c14e",
	"running":   "#7fb3d5",
	"ready":     "#3fa34d",
	"unready":   "#e59866",
	"succeeded": "#aab7b8",
	"failed":    "#c0392b",
}

type segment struct {
	start, end time.Time
	state      string
}

type podBar struct {
	object string
	node   string
	segs   []segment
	lane   int
}

// WriteSVG draws the play's timeline: one row per node (and one for pods
// never scheduled), each pod a bar coloured by its state over time, and a
// row that marks every Job's creation, completion and failure. The file
// opens in any browser.
func (r *Result) WriteSVG(w io.Writer) error {
	bars, nodeOrder := r.podBars()
	span := r.End.Sub(r.Start)
	if span <= 0 {
		span = time.Second
	}
	x := func(t time.Time) float64 {
		return svgLeft + float64(t.Sub(r.Start))/float64(span)*(svgWidth-svgLeft-20)
	}
	// Lanes per row: greedy interval packing, in bar start order.
	rows := map[string][]*podBar{}
	for _, b := range bars {
		rows[b.node] = append(rows[b.node], b)
	}
	lanes := map[string]int{}
	for node, bs := range rows {
		var laneEnd []time.Time
		for _, b := range bs {
			start, end := b.segs[0].start, b.segs[len(b.segs)-1].end
			placed := false
			for i, le := range laneEnd {
				if !start.Before(le) {
					b.lane, laneEnd[i], placed = i, end, true
					break
				}
			}
			if !placed {
				b.lane = len(laneEnd)
				laneEnd = append(laneEnd, end)
			}
		}
		lanes[node] = max(1, len(laneEnd))
	}
	rowY := map[string]float64{}
	y := svgTop
	for _, n := range nodeOrder {
		rowY[n] = y
		y += float64(lanes[n])*svgLaneH + svgRowGap
	}
	jobsY := y + 10
	height := jobsY + 60

	var buf bytes.Buffer
	fmt.Fprintf(&buf, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="11">`+"\n", svgWidth, height)
	fmt.Fprintf(&buf, `<text x="10" y="18" font-size="13">%s</text>`+"\n",
		esc(fmt.Sprintf("orchestra simulation %s to %s", r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339))))
	for i := 0; i <= 10; i++ {
		t := r.Start.Add(span * time.Duration(i) / 10)
		fmt.Fprintf(&buf, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x(t), svgTop-8, x(t), jobsY+20)
		fmt.Fprintf(&buf, `<text x="%.1f" y="%.1f" fill="#666">%s</text>`+"\n", x(t)-10, svgTop-12, esc(shortDuration(t.Sub(r.Start))))
	}
	for _, n := range nodeOrder {
		label := n
		if n == "" {
			label = "(unscheduled)"
		}
		fmt.Fprintf(&buf, `<g class="node" data-node="%s">`+"\n", esc(label))
		fmt.Fprintf(&buf, `<text x="10" y="%.1f">%s</text>`+"\n", rowY[n]+svgLaneH, esc(label))
		fmt.Fprintf(&buf, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="none" stroke="#ccc"/>`+"\n",
			svgLeft, rowY[n]-2, svgWidth-svgLeft-20, float64(lanes[n])*svgLaneH+4)
		for _, b := range rows[n] {
			by := rowY[n] + float64(b.lane)*svgLaneH
			for _, s := range b.segs {
				w := x(s.end) - x(s.start)
				if w < 0.5 {
					w = 0.5
				}
				fmt.Fprintf(&buf, `<rect x="%.2f" y="%.1f" width="%.2f" height="%.1f" fill="%s"><title>%s</title></rect>`+"\n",
					x(s.start), by, w, svgLaneH-2, phaseColours[s.state],
					esc(fmt.Sprintf("%s %s %s-%s", b.object, s.state, s.start.Format(time.RFC3339), s.end.Format(time.RFC3339))))
			}
		}
		buf.WriteString("</g>\n")
	}
	fmt.Fprintf(&buf, `<text x="10" y="%.1f">Jobs</text>`+"\n", jobsY+4)
	for _, c := range r.Timeline {
		if len(c.Object) < 4 || c.Object[:4] != "Job/" {
			continue
		}
		colour := map[string]string{"created": "#2e86c1", "complete": "#3fa34d", "failed": "#c0392b", "deleted": "#999", "suspended": "#f2c14e", "resumed": "#7fb3d5"}[c.Change]
		fmt.Fprintf(&buf, `<circle cx="%.2f" cy="%.1f" r="3" fill="%s"><title>%s</title></circle>`+"\n",
			x(c.Time), jobsY, colour, esc(fmt.Sprintf("%s %s %s", c.Object, c.Change, c.Time.Format(time.RFC3339))))
	}
	ly := jobsY + 35
	lx := svgLeft
	for _, st := range []string{"pending", "running", "ready", "unready", "succeeded", "failed"} {
		fmt.Fprintf(&buf, `<rect x="%.1f" y="%.1f" width="12" height="10" fill="%s"/><text x="%.1f" y="%.1f">%s</text>`+"\n",
			lx, ly, phaseColours[st], lx+16, ly+9, st)
		lx += 100
	}
	buf.WriteString("</svg>\n")
	_, err := w.Write(buf.Bytes())
	return err
}

func esc(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// podBars rebuilds each pod's states over time from the timeline, and the
// order of the rows: nodes as they appear, unscheduled pods first.
func (r *Result) podBars() ([]*podBar, []string) {
	byObj := map[string]*podBar{}
	var order []*podBar
	seenNode := map[string]bool{}
	var nodes []string
	for _, n := range r.Nodes {
		if !seenNode[n.Name] {
			seenNode[n.Name] = true
			nodes = append(nodes, n.Name)
		}
	}
	unscheduled := false
	open := func(b *podBar, t time.Time, state string) {
		if k := len(b.segs); k > 0 && b.segs[k-1].end.IsZero() {
			b.segs[k-1].end = t
		}
		b.segs = append(b.segs, segment{start: t, state: state})
	}
	for _, c := range r.Timeline {
		if len(c.Object) < 4 || c.Object[:4] != "Pod/" {
			continue
		}
		b := byObj[c.Object]
		if c.Change == "created" || b == nil {
			b = &podBar{object: c.Object}
			byObj[c.Object] = b
			order = append(order, b)
			open(b, c.Time, "pending")
		}
		if c.Node != "" {
			b.node = c.Node
			if !seenNode[c.Node] {
				seenNode[c.Node] = true
				nodes = append(nodes, c.Node)
			}
		}
		switch c.Change {
		case "running", "ready", "unready", "succeeded", "failed":
			open(b, c.Time, c.Change)
		case "restarted":
			open(b, c.Time, "running")
		case "deleted":
			if k := len(b.segs); k > 0 && b.segs[k-1].end.IsZero() {
				b.segs[k-1].end = c.Time
			}
			delete(byObj, c.Object)
		}
	}
	for _, b := range order {
		if k := len(b.segs); k > 0 && b.segs[k-1].end.IsZero() {
			b.segs[k-1].end = r.End
		}
		if b.node == "" {
			unscheduled = true
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].segs[0].start.Before(order[j].segs[0].start) })
	if unscheduled {
		nodes = append([]string{""}, nodes...)
	}
	return order, nodes
}
