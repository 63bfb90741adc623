(function(){"use strict";
var d=document,exitTimes=[],timer=null;
function leave(){var a=d.querySelector("a.exit");d.body.innerHTML="";location.replace(a?a.href:"about:blank")}
d.addEventListener("click",function(e){var a=e.target.closest&&e.target.closest("a.exit");if(a){e.preventDefault();leave()}});
d.addEventListener("keydown",function(e){if(e.key!=="Shift"||e.repeat)return;var now=Date.now();exitTimes=exitTimes.filter(function(t){return now-t<1500});exitTimes.push(now);if(exitTimes.length>=3)leave()});
function swap(html){var doc=new DOMParser().parseFromString(html,"text/html");d.title=doc.title;d.documentElement.lang=doc.documentElement.lang;d.documentElement.dir=doc.documentElement.dir;d.body.innerHTML=doc.body.innerHTML;var h=d.querySelector("main h1, main legend, main [role=alert]");if(h){h.setAttribute("tabindex","-1");h.focus()}}
function post(form,data){return fetch(form.getAttribute("action")||location.pathname,{method:"POST",body:data,credentials:"same-origin",cache:"no-store",headers:{"X-Requested-With":"fetch"}})}
var busy=false;
d.addEventListener("submit",function(e){var form=e.target;if(!form.hasAttribute("data-live"))return;e.preventDefault();if(busy)return;busy=true;var data=new FormData(form,e.submitter||null);clearTimeout(timer);post(form,data).then(function(r){return r.text()}).then(function(h){busy=false;swap(h)}).catch(function(){busy=false;form.removeAttribute("data-live");form.submit()})});
function autosave(form){var data=new FormData(form);data.set("action","autosave");data.delete("photo");var s=d.getElementById("saved");post(form,data).then(function(r){return r.json()}).then(function(j){if(s)s.textContent=j.message}).catch(function(){})}
function later(e){var form=e.target.form;if(!form||!form.hasAttribute("data-autosave"))return;clearTimeout(timer);timer=setTimeout(function(){autosave(form)},e.type==="change"?0:800)}
d.addEventListener("input",function(e){if(e.target.tagName==="TEXTAREA")later(e)});
d.addEventListener("change",function(e){if(e.target.type==="radio"||e.target.type==="checkbox")later(e)});
})();
