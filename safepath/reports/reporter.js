(function(){"use strict";
var d=document,exitTimes=[],timer=null,pending=null;
function leave(){var a=d.querySelector("a.exit");d.body.innerHTML="";if(a&&a.dataset.to){try{navigator.sendBeacon(a.href)}catch(e){}location.replace(a.dataset.to)}else location.replace(a?a.href:"about:blank")}
d.addEventListener("click",function(e){var a=e.target.closest&&e.target.closest("a.exit");if(a){e.preventDefault();leave()}});
function typing(t){return t&&(t.isContentEditable||/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))}
d.addEventListener("keydown",function(e){if(e.key!=="Shift"||e.repeat||typing(e.target))return;var now=Date.now();exitTimes=exitTimes.filter(function(t){return now-t<1500});exitTimes.push(now);if(exitTimes.length>=3)leave()});
function swap(html){var doc=new DOMParser().parseFromString(html,"text/html");d.documentElement.lang=doc.documentElement.lang;d.documentElement.dir=doc.documentElement.dir;d.body.innerHTML=doc.body.innerHTML;for(var k in doc.body.dataset)d.body.dataset[k]=doc.body.dataset[k];var h=d.querySelector("main h1, main legend, main [role=alert]");if(h){h.setAttribute("tabindex","-1");h.focus()}}
function post(form,data){return fetch(form.getAttribute("action")||location.pathname,{method:"POST",body:data,credentials:"same-origin",cache:"no-store",headers:{"X-Requested-With":"fetch"}})}
function say(form,key){var s=d.getElementById("saved");if(!s){s=d.createElement("p");s.id="saved";s.setAttribute("role","alert");form.parentNode.insertBefore(s,form)}s.className="error";s.textContent=d.body.dataset[key]||""}
var busy=false;
d.addEventListener("submit",function(e){var form=e.target;if(!form.hasAttribute("data-live"))return;e.preventDefault();if(busy)return;busy=true;var data=new FormData(form,e.submitter||null);clearTimeout(timer);pending=null;
post(form,data).then(function(r){if(r.status>=500)throw r;return r.text()}).then(function(h){busy=false;swap(h)}).catch(function(){busy=false;say(form,"failed")})});
function autosave(form){var data=new FormData(form);data.set("action","autosave");data.delete("photo");pending=form;var s=d.getElementById("saved");
post(form,data).then(function(r){return r.json().then(function(j){if(!r.ok&&r.status!==400)throw r;return j})}).then(function(j){if(pending===form)pending=null;if(s){s.className=j.saved?"ok":"error";s.textContent=j.message}}).catch(function(){if(s&&d.contains(form)){s.className="error";s.textContent=d.body.dataset.unsent||""}clearTimeout(timer);timer=setTimeout(function(){if(pending===form&&d.contains(form))autosave(form)},5000)})}
window.addEventListener("online",function(){if(pending&&d.contains(pending))autosave(pending)});
function later(e){var form=e.target.form;if(!form||!form.hasAttribute("data-autosave"))return;clearTimeout(timer);var s=d.getElementById("saved");if(s&&s.className==="ok"){s.className="small";s.textContent=""}timer=setTimeout(function(){autosave(form)},e.type==="change"?0:800)}
d.addEventListener("input",function(e){if(e.target.tagName==="TEXTAREA")later(e)});
d.addEventListener("change",function(e){if(e.target.type==="radio"||e.target.type==="checkbox")later(e)});
setInterval(function(){var m=d.getElementById("messages");if(!m||!d.getElementById("status"))return;fetch("/followup/?poll=1",{credentials:"same-origin",cache:"no-store"}).then(function(r){return r.json()}).then(function(j){if(!j.open){location.replace("/followup/");return}if(String(j.count)!==m.dataset.count)m.outerHTML=j.html}).catch(function(){})},10000);
})();
